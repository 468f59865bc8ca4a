// Package worker is the JetStream -> Pebble applier of one cache.
//
// Lifecycle: New(store, js, opts...) builds a Worker around an open
// cachestore.Store; Run(ctx) binds (or re-creates) the worker's durable pull
// consumer at the cache's own position, then fetches batches, applies each
// in one synced Pebble batch together with the stream position, and only
// then acknowledges it, until ctx is done. CatchUp(ctx) consumes until the
// consumer has nothing pending (startup, `run --once`, tests).
//
// The cache is the authority on position: when the server-side consumer
// disagrees with it (a crash between commit and ack, a deleted consumer), the
// consumer is re-created to start right after the cache's position, so a
// crash costs at most one redelivered batch, and redeliveries are no-ops.
//
// Invariants upheld here (DESIGN.md section 4):
//   - 3 ack only after durable apply: Ack is called only after
//     Store.Apply returned, i.e. after the Pebble batch with the position was
//     committed with Sync.
//   - 4 idempotent apply: duplicates and redeliveries go through the
//     version check in cachestore and are counted as skipped.
//   - 7 reads never block on the network: readers use the Store directly.
//
// worker never imports changefeed; the stream's shape is known only through
// protocol and the stream itself.
package worker
