// Package worker is the JetStream -> Pebble applier of one cache.
//
// Lifecycle: New(cache, js, *Options) builds a Worker around an open cache
// (a *cachestore.Store; the worker asks of it only the Cache interface,
// deps.go); Run(ctx) binds (or re-creates) the worker's durable pull
// consumer at the cache's own position, then fetches batches, applies each
// in one synced Pebble batch together with the stream position, and only
// then acknowledges it, until ctx is done. CatchUp(ctx) consumes until the
// consumer has nothing pending (startup, `run --once`, tests). Between
// fetches the server ended empty (idle), Run gives the cache one step of
// its collector (tidy.go, Store.Tidy), which moves no position, until a
// step removes nothing; the next applied batch arms it again.
//
// The cache is the authority on position: when the server-side consumer
// disagrees with it (a crash between commit and ack, a deleted consumer), the
// consumer is re-created to start right after the cache's position, so a
// crash costs at most one redelivered batch, and redeliveries are no-ops.
// Before it binds, the worker checks that the stream still continues from
// that position (continuity.go): same stream (creation time), not ending
// below it, not purged past it (first sequence <= position+1: the server
// would silently move the consumer forward), and nothing stored again at or
// below it after the message the cache applied there (a rollback refilled
// past it; the cache records that message's stored time). A break is
// ErrStreamReplaced: only a rebuild repairs it.
//
// Lineage (lineage.go): a cache follows one database. Messages, backfill
// bodies and heartbeats of another lineage are never applied, parked or
// counted: below the checkpoint the cache's lineage is known from they are
// leftovers of an earlier database and skipped, above it they mean the
// stream carries another database (ErrLineageChanged, a rebuild).
//
// Invariants upheld here (numbered as in docs/design.md, section 3;
// ARCHITECTURE.md names the code and tests of each; continuity is 1.7,
// lineage 6.3):
//   - 3 ack only after durable apply: Ack is called only after
//     Store.Apply returned, i.e. after the Pebble batch with the position was
//     committed with Sync; a poison message is parked in the dead-letter
//     stream before, but terminated (which acknowledges it and, under
//     AckAll, everything before it) only after that commit (3.1). A fetch
//     (fetch.go) waits up to FetchWait for one message only, then takes
//     what else is there without waiting: it never waits for a batch to
//     fill. A request ended by its own context may have dropped a
//     delivered message, so the consumer is bound again (re-created at the
//     cache's position) before the next fetch: AckAll never covers it;
//     the next fetch waits twice as long (up to 5 s, back to FetchWait
//     once the server ends a fetch empty), so a server slower than
//     FetchWait is waited out rather than cut for ever.
//   - 4 idempotent apply: duplicates and redeliveries go through the
//     version check in cachestore and are counted as skipped.
//   - 7 reads never block on the network: readers use the Store directly.
//
// Time: staleness, lag, the tombstone-retention check on bind and the
// outage tracker read the worker's clock (time.Now; the package's tests
// inject a fake one); batch durations reported to OnBatch are measured on
// the real clock.
//
// worker never imports changefeed; the stream's shape is known only through
// protocol and the stream itself.
package worker
