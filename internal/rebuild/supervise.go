package rebuild

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/worker"
)

// maxRebuilds bounds automatic rebuilds per window: a cache that keeps
// breaking needs an operator, not an endless rebuild loop.
const (
	maxRebuilds   = 3
	rebuildWindow = 10 * time.Minute
)

// ErrRebuildLoop reports too many automatic rebuilds in a short time.
var ErrRebuildLoop = errors.New("rebuild: cache keeps failing after rebuilds; stopping for an operator")

// Supervise runs a worker on cfg.Dir until ctx is done, and repairs the
// cache automatically: a cache that fails to open as corrupt, or a worker
// that stops with an error only a rebuild fixes (corruption, stream
// recreated, lineage changed), gets the right rebuild, logged with the
// reason, and consumption resumes. started is called with each opened store.
func Supervise(ctx context.Context, cfg Config, started func(*cachestore.Store, *worker.Worker)) error {
	if done, err := FinishSwap(cfg.Dir); err != nil {
		return err
	} else if done {
		cfg.log().Warn("finished a cache swap that was interrupted", "dir", cfg.Dir)
	}
	var recent []time.Time
	for ctx.Err() == nil {
		err := runOnce(ctx, cfg, started)
		if err == nil || ctx.Err() != nil {
			return nil
		}
		if !worker.NeedsRebuild(err) && !errors.Is(err, ErrDiverged) {
			return err
		}
		if recent = trim(recent, time.Now()); len(recent) >= maxRebuilds {
			return fmt.Errorf("%w: last error: %v", ErrRebuildLoop, err)
		}
		recent = append(recent, time.Now())
		if err := repair(ctx, cfg, err); err != nil {
			return err
		}
	}
	return nil
}

func runOnce(ctx context.Context, cfg Config, started func(*cachestore.Store, *worker.Worker)) error {
	store, err := cachestore.Open(cfg.Dir, &cfg.Options)
	if err != nil {
		return err
	}
	defer store.Close()
	w, err := worker.New(store, cfg.JS, worker.WithOptions(cfg.Worker))
	if err != nil {
		return err
	}
	if started != nil {
		started(store, w)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return w.Run(gctx) })
	if cfg.DB != nil && cfg.ValidateEvery > 0 {
		g.Go(func() error { return validateLoop(gctx, cfg, store) })
	}
	return g.Wait()
}

func trim(ts []time.Time, now time.Time) []time.Time {
	out := ts[:0]
	for _, t := range ts {
		if now.Sub(t) < rebuildWindow {
			out = append(out, t)
		}
	}
	return out
}

// repair picks the source: Turso when the stream under the cache changed
// and Turso is reachable from here, the stream otherwise.
func repair(ctx context.Context, cfg Config, cause error) error {
	source := "stream"
	if cfg.DB != nil && (errors.Is(cause, worker.ErrStreamReplaced) || errors.Is(cause, worker.ErrLineageChanged) ||
		errors.Is(cause, ErrDiverged) || errors.Is(cause, worker.ErrTombstonesExpired) || errors.Is(cause, worker.ErrStuck)) {
		source = "turso"
	}
	reason := reasonOf(cause)
	cfg.log().Warn("cache cannot be trusted; rebuilding it", "reason", reason, "source", source, "dir", cfg.Dir, "error", cause)
	_, err := Run(ctx, cfg, source, reason)
	return err
}

func reasonOf(err error) string {
	switch {
	case errors.Is(err, cachestore.ErrCorrupt):
		return "corrupt"
	case errors.Is(err, worker.ErrStreamReplaced):
		return "stream-replaced"
	case errors.Is(err, worker.ErrLineageChanged):
		return "lineage-changed"
	case errors.Is(err, cachestore.ErrConfigChanged):
		return "options-changed"
	case errors.Is(err, ErrDiverged):
		return "diverged"
	case errors.Is(err, worker.ErrTombstonesExpired):
		return "tombstones-expired"
	case errors.Is(err, worker.ErrStuck):
		return "stuck"
	}
	return "error"
}
