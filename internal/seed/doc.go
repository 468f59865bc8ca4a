// Package seed writes realistic agent memories into a Turso database in the
// rust-self-learning-memory layout (docs/design.md, "Data"), deterministically
// from a seed. It writes with INSERT OR REPLACE, as that system's writers do.
// It is used by `memsync seed`, the tests and the benchmarks.
package seed
