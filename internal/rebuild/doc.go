// Package rebuild replaces a cache that cannot be trusted (corrupt, built
// from a stream that was recreated, diverged from Turso) with a fresh one.
// It owns rebuilding only: from the stream (FromStream, with a worker of
// its own on the staging cache and its durable consumer, consumer.go),
// from a Turso snapshot (FromTurso, stamped with the stream's checkpoint,
// stamp.go, of Turso's own lineage, lineage.go), the swap (swap.go,
// files.go) and the old caches kept aside (aside.go). Deciding when and
// from where a running worker's cache is rebuilt is internal/supervisor's.
//
// Lifecycle: every entry point takes a Config by value and fills it with
// EnsureDefaults; nothing outlives a call. A rebuild never touches the live
// directory until it is complete: it builds <dir>.rebuild, marks it
// COMPLETE, moves the live directory aside (<dir>.aside-<unix>-<reason>,
// kept for inspection within Config.Aside: the newest KeepAside, at most
// DefaultKeepAsideBytes together by default) and renames the staging
// directory into place. A rebuild killed half-way is resumed (from the
// stream: the staging cache keeps its position) or started again cleanly
// (from Turso); an interrupted swap is finished on the next start
// (FinishSwap). INVARIANT 9: the source is Turso or the stream the
// changefeed fills from Turso; nothing is patched by guesswork.
package rebuild
