package rebuild

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/worker"
)

// Result reports a finished rebuild.
type Result struct {
	Source   string
	Entities int    // entities written (Turso) or messages applied (stream)
	Aside    string // where the old cache was moved, if there was one
	Position uint64
}

// RunHolding rebuilds like Run, calling release right before the swap: a
// caller can hold the live cache's lock while the staging cache is built.
func RunHolding(ctx context.Context, cfg Config, source, reason string, release func()) (Result, error) {
	cfg.beforeSwap = release
	return Run(ctx, cfg, source, reason)
}

// Run rebuilds from "turso" or "stream". Both need the stream (its history,
// or the checkpoint a Turso snapshot starts at); one missing at the start is
// waited for, up to cfg.StreamWait.
func Run(ctx context.Context, cfg Config, source, reason string) (Result, error) {
	cfg = *cfg.EnsureDefaults()
	if cfg.StreamWait > 0 && cfg.JS != nil && (source == "stream" || source == "turso") {
		// INVARIANT 9 (liveness): a repair that starts while the stream is
		// deleted (the changefeed re-creates it) or NATS restarts waits for
		// it instead of failing, which stopped the worker process
		// (TestRebuildWaitsForADeletedStream). The source's own error names
		// a stream still missing after the wait.
		if err := awaitStream(ctx, cfg, cfg.StreamWait); err != nil && ctx.Err() == nil {
			cfg.Logger.Warn("the stream is still missing after waiting for it", "stream", cfg.Worker.Stream, "waited", cfg.StreamWait.String(), "error", err)
		}
	}
	switch source {
	case "stream":
		return FromStream(ctx, cfg, reason)
	case "turso":
		return FromTurso(ctx, cfg, reason)
	}
	return Result{}, fmt.Errorf("%w: %q", ErrSource, source)
}

// FromStream fills a staging cache from the compacted stream (the latest
// message of every entity) with a worker of its own, then swaps it in. A
// killed rebuild resumes from the staging cache's position; a staging cache
// that no longer matches the stream (recreated, purged past it, another
// database, a body it needs gone from it: restartable) is started again
// cleanly, from the stream as it is then, at most maxRestarts times.
func FromStream(ctx context.Context, cfg Config, reason string) (Result, error) {
	cfg = *cfg.EnsureDefaults()
	n, pos, err := fillStaging(ctx, cfg, 0)
	// INVARIANT 9 (liveness): the changefeed may replace the stream's
	// history (or the operator purge it) while the staging cache is filled;
	// every such change is a fresh start on the new stream, never a batch
	// retried for bodies the stream no longer has nor a rebuild abandoned
	// after the first restart (TestStreamReplacedWhileStagingBackfills).
	for fill := 1; fill <= maxRestarts && restartable(err) && ctx.Err() == nil; fill++ {
		cfg.Logger.Warn("staging cache no longer matches the stream; starting it again", "error", err, "restart", fill)
		_ = os.RemoveAll(stagingDir(cfg.Dir))
		if err = awaitStream(ctx, cfg, streamWait); err == nil { // one deleted under it comes back with the changefeed
			n, pos, err = fillStaging(ctx, cfg, fill)
		}
	}
	if err != nil {
		CleanupConsumer(cfg) // a resumed rebuild re-creates it at the staging position
		return Result{}, err
	}
	return finish(cfg, Result{Source: "stream", Entities: n, Position: pos}, reason)
}

// maxRestarts bounds the fresh starts of one stream rebuild: a stream
// replaced again and again is the changefeed's problem to settle, and the
// caller's (the supervisor: rebuild from Turso, or again later) to route.
const maxRestarts = 3

// restartable reports a staging fill that failed because the stream changed
// under it: a fresh staging cache, from the stream as it is now, can succeed.
// ErrStuck is a body the staging cache needs still missing after the
// worker's retries (an entity of a history that was dropped).
func restartable(err error) bool {
	return errors.Is(err, worker.ErrStreamReplaced) || errors.Is(err, worker.ErrLineageChanged) || errors.Is(err, worker.ErrStuck)
}

// fillStaging opens (or resumes) the staging cache and catches it up; fill
// counts the fresh starts of this rebuild.
func fillStaging(ctx context.Context, cfg Config, fill int) (n int, pos uint64, err error) {
	staging := stagingDir(cfg.Dir)
	store, err := cachestore.Open(staging, &cfg.Options)
	if errors.Is(err, cachestore.ErrCorrupt) || errors.Is(err, cachestore.ErrConfigChanged) {
		_ = os.RemoveAll(staging) // a broken staging cache restarts cleanly
		store, err = cachestore.Open(staging, &cfg.Options)
	}
	if err != nil {
		return 0, 0, err
	}
	sc := &stagingCache{Store: store, cfg: cfg, fill: fill}
	n, err = catchUpStaging(ctx, cfg, sc)
	if err != nil && !restartable(err) && ctx.Err() == nil {
		// a fetch from a deleted consumer, say: the stream went with it
		if moved := sc.streamMoved(ctx); moved != nil {
			err = fmt.Errorf("%w (%v)", moved, err)
		}
	}
	pos = store.State().Position
	if cerr := store.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return n, pos, err
}

func catchUpStaging(ctx context.Context, cfg Config, store worker.Cache) (int, error) {
	wo := cfg.Worker
	wo.Name = rebuildName(wo.Name)
	wo.Progress = cfg.Progress
	w, err := worker.New(store, cfg.JS, &wo)
	if err != nil {
		return 0, err
	}
	return w.CatchUp(ctx)
}

// rebuildName is the name of the worker a stream rebuild of worker name
// runs (name: its defaulted name), within protocol.ValidName's 64 bytes.
func rebuildName(name string) string {
	return name[:min(len(name), 56)] + "-rebuild"
}

func finish(cfg Config, r Result, reason string) (Result, error) {
	if err := markComplete(stagingDir(cfg.Dir)); err != nil {
		return r, err
	}
	if cfg.beforeSwap != nil {
		cfg.beforeSwap()
	}
	aside, err := swap(cfg.Dir, reason)
	r.Aside = aside
	if err != nil {
		return r, err
	}
	CleanupConsumer(cfg)
	pruneKept(cfg, &r)
	if cfg.OnRebuild != nil {
		cfg.OnRebuild(reason)
	}
	cfg.Logger.Info("cache rebuilt and swapped in", "source", r.Source, "dir", cfg.Dir, "entities", r.Entities,
		"position", r.Position, "old_cache_kept_at", r.Aside, "reason", reason)
	return r, nil
}

// pruneKept deletes the oldest set-aside caches beyond the budget; r.Aside
// is cleared when the budget keeps no copy of the cache just moved aside. A
// failure does not undo the rebuild: it is logged and the next one retries.
func pruneKept(cfg Config, r *Result) {
	removed, err := pruneAside(cfg.Dir, *cfg.Aside)
	for _, d := range removed {
		cfg.Logger.Info("old cache deleted (keep-aside budget)", "dir", d)
		if d == r.Aside {
			r.Aside = ""
		}
	}
	if err != nil {
		cfg.Logger.Warn("old caches not pruned to the keep-aside budget", "dir", cfg.Dir, "error", err)
	}
}
