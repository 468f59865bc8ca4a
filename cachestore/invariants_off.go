//go:build !invariants

package cachestore

const invariantsOn = false
