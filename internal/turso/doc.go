// Package turso is memsync's access to the durable store: opening a libSQL
// database (a local file or a remote Turso URL) with WAL and a busy timeout,
// installing memsync's own objects (memsync_meta, memsync_changelog and the
// capture triggers), reading change-log batches and current rows inside one
// read transaction, and the ordered scans used by validation.
//
// memsync never alters or drops the synced tables; it only creates them with
// the rust-self-learning-memory DDL when they are missing. Every TEXT column is
// selected CAST AS BLOB: go-libsql otherwise parses TEXT values that look like
// times (and is ~5x slower on the JSON columns).
package turso
