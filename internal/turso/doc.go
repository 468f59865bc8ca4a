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
//
// Invariants enforced here:
//
//   - Nothing written is missed by a capture (install.go, capture.go): the
//     triggers are installed in the first, short transaction, before the
//     capture of existing rows is planned; the capture then runs in chunks
//     (keyset pages of at most DefaultCaptureChunk rows, each its own short
//     IMMEDIATE transaction, with a pause as long as the chunk between two),
//     so agents' writes wait at most one chunk. A row written between chunks
//     is captured by its trigger with a higher change_id.
//   - A capture's progress commits with its rows (memsync_meta "capture"):
//     a crash resumes it exactly where it stopped; concurrent installers run
//     the one plan in turns, and exactly one of them creates the lineage.
//   - Resnapshot returns the head before it: every current row then has a
//     change above that head.
//   - Uninstall drops only memsync's own objects (ownObjects), and refuses
//     while the database shows a changefeed live (NotePublished's record, a
//     capture's progress) unless forced.
package turso
