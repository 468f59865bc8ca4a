// Package changefeed is the Turso -> JetStream publisher.
//
// Lifecycle: New(db, js, opts...) validates options; Run(ctx) installs
// memsync's objects in the database (idempotent, with a bootstrap of existing
// rows), makes sure the compacted stream exists, recovers its cursor from the
// last checkpoint message in the stream, and then polls the change log until
// ctx is done. PollOnce does one poll-and-publish step (tests, `run --once`).
//
// Each step reads, in one read transaction, up to BatchSize change-log rows
// above the cursor and the current rows they point at; collapses several
// changes of one entity to the newest; and publishes one JetStream atomic
// batch: the entity messages followed by a checkpoint message carrying the
// new cursor, fenced with Nats-Expected-Last-Subject-Sequence on the
// checkpoint subject.
//
// Invariants upheld here (DESIGN.md section 4):
//   - 1 no lost change: the cursor lives in the stream, written in the same
//     atomic batch as the data, so a failed or killed publish leaves data and
//     cursor unchanged together; a gap in change_ids stops the batch until a
//     grace window passes.
//   - 2 no stale latest: batches are published one at a time and fenced on
//     the checkpoint's sequence; a retry of an older batch after a newer one
//     is rejected by the server, so an older version never lands after a
//     newer one on a subject.
//   - 8 single active publisher: the same fence makes a second changefeed's
//     competing batch fail as a whole; it reloads the cursor and continues.
//   - change-log rows are pruned only at or below a checkpoint that has
//     been in the stream for longer than PruneDelay (JetStream's lazy fsync).
package changefeed
