package supervisor

import (
	"context"
	"fmt"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/validate"
)

// validateLoop validates the running cache periodically. A validation that
// runs while batches are applied can see a transient difference, so a
// divergence counts only when a second pass right after confirms it: no
// spurious rebuilds (the PowerSync lesson).
func validateLoop(ctx context.Context, o *Options, store *cachestore.Store) error {
	t := time.NewTicker(o.ValidateEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := confirmDivergence(ctx, o, store); err != nil {
			return err
		}
	}
}

func confirmDivergence(ctx context.Context, o *Options, store *cachestore.Store) error {
	var last *validate.Report
	for pass := 0; pass < 2; pass++ {
		r, err := validate.Run(ctx, o.DB, store, &validate.Options{MaxMessageBytes: o.MaxMessageBytes()})
		if err != nil || r.Diverged == 0 {
			if err != nil && ctx.Err() == nil {
				o.Logger.Debug("periodic validation skipped", "error", err)
			}
			return nil
		}
		last = r
	}
	return fmt.Errorf("%w: %d entities differ from Turso (e.g. %v)", ErrDiverged, last.Diverged, last.Examples)
}
