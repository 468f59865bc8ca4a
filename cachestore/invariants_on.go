//go:build invariants

package cachestore

// invariantsOn: built with -tags invariants, every Apply checks the window
// and no-orphan rules on what it committed (invariants.go) and panics on a
// violation.
const invariantsOn = true
