// Package archtest enforces the import direction of the codebase, and that
// the design documents in the repository agree with the code: every
// invariant number the code cites is stated in docs/design.md and has a row
// in ARCHITECTURE.md naming code and tests that exist.
package archtest
