package supervisor

import (
	"context"
	"errors"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/worker"
)

// needsRepair reports the errors the supervisor repairs with a rebuild:
// those worker.NeedsRebuild names and a divergence periodic validation
// confirmed. Any other error stops the supervisor.
func needsRepair(err error) bool {
	return worker.NeedsRebuild(err) || errors.Is(err, ErrDiverged)
}

// sourceFor picks where the cache is rebuilt from after cause: Turso when
// the cache cannot trust the stream's history (replaced or purged stream,
// lineage change, expired tombstones, a stuck batch, a divergence) and
// Turso is reachable from here, the stream otherwise (a corrupt cache, or
// one built with other options, is refilled from the stream).
func sourceFor(cause error, haveTurso bool) string {
	if haveTurso && distrustsStream(cause) {
		return "turso"
	}
	return "stream"
}

func distrustsStream(err error) bool {
	return errors.Is(err, worker.ErrStreamReplaced) || errors.Is(err, worker.ErrLineageChanged) ||
		errors.Is(err, ErrDiverged) || errors.Is(err, worker.ErrTombstonesExpired) || errors.Is(err, worker.ErrStuck)
}

// requestedSource is where an operator's rebuild request rebuilds from:
// Turso when this process has it.
func requestedSource(haveTurso bool) string {
	if haveTurso {
		return "turso"
	}
	return "stream"
}

// Repair rebuilds the cache for cause (an error worker.NeedsRebuild
// accepts, or ErrDiverged) with the cache closed, from the source
// sourceFor picks. `run --once` uses it as the supervisor does.
func Repair(ctx context.Context, cfg rebuild.Config, cause error) error {
	return repair(ctx, cfg, cause, rebuild.Run)
}

// rebuildFunc is rebuild.Run (the loop's tests inject failing rebuilds).
type rebuildFunc func(ctx context.Context, cfg rebuild.Config, source, reason string) (rebuild.Result, error)

// repair is Repair with the rebuild it runs. INVARIANT 9 (liveness): a
// stream rebuild that failed because the stream kept changing under it
// (replaced, purged, another database, after the rebuild's own fresh
// starts) is followed by a rebuild from Turso when this process has it,
// as sourceFor would have picked for that error.
func repair(ctx context.Context, cfg rebuild.Config, cause error, run rebuildFunc) error {
	cfg = *cfg.EnsureDefaults()
	if cfg.StreamWait == 0 {
		cfg.StreamWait = rebuild.DefaultStreamWait // a stream deleted just before is re-created by the changefeed
	}
	source, reason := sourceFor(cause, cfg.DB != nil), reasonOf(cause)
	cfg.Logger.Warn("cache cannot be trusted; rebuilding it", "reason", reason, "source", source, "dir", cfg.Dir, "error", cause)
	_, err := run(ctx, cfg, source, reason)
	if err != nil && source == "stream" && ctx.Err() == nil && sourceFor(err, cfg.DB != nil) == "turso" {
		cfg.Logger.Warn("the stream changed under its rebuild; rebuilding from Turso", "reason", reason, "dir", cfg.Dir, "error", err)
		_, err = run(ctx, cfg, "turso", reason)
	}
	return err
}

// reasonOf names cause in the set-aside cache's directory, the log and the
// rebuild metric's label.
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
