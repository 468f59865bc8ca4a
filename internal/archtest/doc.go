// Package archtest enforces the import direction of the codebase.
package archtest
