// Package changefeed is the Turso -> JetStream publisher.
//
// Lifecycle: New(db Source, js, *Options) validates options; Run(ctx) installs
// memsync's objects in the database (idempotent, with a bootstrap of existing
// rows), makes sure the compacted stream exists, recovers its cursor from the
// last checkpoint message in the stream, and then polls the change log until
// ctx is done. PollOnce does one poll-and-publish step (tests, `run --once`).
//
// Each step reads, in one read transaction, the lineage, the head and up to
// BatchSize change-log rows above the cursor with the current rows they
// point at (rows only up to MaxBatchBytes); collapses several changes of one
// entity to the newest; and publishes JetStream atomic batches: the entity
// messages followed by a checkpoint message carrying the new cursor, fenced
// with Nats-Expected-Last-Subject-Sequence on the checkpoint subject, within
// a timeout scaled to the batch. A batch the server refuses for what it
// carries is split in halves down to one message (the server's batch limit,
// named in its refusal, is kept); a message refused alone is parked.
//
// The database and the stream are checked as the changefeed goes, never
// assumed: a lineage other than the one installed (a replaced database) or
// a head below the published cursor (a database restored to an earlier
// point, which then gets a new lineage) makes the stream drop the previous
// history and receive the current one; a stream or dead-letter stream that
// disappeared is re-created and re-filled, also while idle.
//
// Invariants upheld here (numbered as in docs/design.md, section 3;
// ARCHITECTURE.md names the code and tests of each):
//   - 1 no lost change: the cursor lives in the stream, written in the same
//     atomic batch as the data, so a failed or killed publish leaves data and
//     cursor unchanged together; a gap in change_ids stops the batch until a
//     grace window passes; a split batch moves the cursor only to just
//     before the first change it left out (1.2); a change is skipped only
//     parked (or, when even its dead letter is refused, counted and logged:
//     1.3).
//   - 2 no stale latest: batches are published one at a time and fenced on
//     the checkpoint's sequence; a retry of an older batch after a newer one
//     is rejected by the server, so an older version never lands after a
//     newer one on a subject.
//   - 6.2 one history: the stream holds the database's current one.
//   - 8 single active publisher: the same fence makes a second changefeed's
//     competing batch fail as a whole; it reloads the cursor and continues.
//   - 1 (pruning): change-log rows are pruned only at or below a checkpoint
//     that has been in the stream for longer than PruneDelay (JetStream's
//     lazy fsync).
//   - 1.4 no busy loop, bounded gap state: a step cut at a change_id gap is
//     never full, so Run sleeps the poll interval while the gap is held;
//     the gap detector remembers only the gap it holds. Bounded poll rate
//     (poll.go): after a step that was not full the next starts at least
//     PollMin after it started (5ms for a local file, 50ms remote), and
//     PollInterval (25ms, 2s) once the change log has been quiet for 8
//     times that; PollInterval alone is a fixed period.
//   - 1.5 bounded dead-letter stream: MaxBytes (DLQMaxBytes) with
//     DiscardOld, so a full dead-letter stream drops its oldest entries
//     instead of refusing new ones; EnsureStreams updates an existing stream.
//   - 10 full re-captures asked by sync.trigger start at most once per
//     FullRecaptureEvery (a failed one is not counted); one within it is
//     refused with ErrRateLimited and the time the next is allowed.
package changefeed
