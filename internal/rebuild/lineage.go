package rebuild

import (
	"github.com/memsync/memsync/internal/outage"

	"context"
	"errors"
	"fmt"
	"time"

	"github.com/memsync/memsync/internal/turso"
)

// lineageWait bounds how long a Turso rebuild waits for the changefeed to
// publish the database it snapshots.
const lineageWait = time.Minute

// checkpointOfDB returns the stream's last checkpoint once it belongs to
// the database cfg.DB holds. A checkpoint of another lineage (the database
// was replaced and the changefeed has not published the new one yet)
// carries a cursor of another history: a snapshot stamped with it would
// make the new database's changes look old (INVARIANT 4), so the rebuild
// waits for the changefeed instead, at most lineageWait.
func checkpointOfDB(ctx context.Context, cfg Config) (checkpoint, error) {
	want, err := cfg.DB.Lineage(ctx)
	if errors.Is(err, turso.ErrNotInstalled) {
		return lastCheckpoint(ctx, cfg) // stampFor refuses rows no change log covers
	}
	if err != nil {
		return checkpoint{}, err
	}
	deadline := time.Now().Add(lineageWait)
	for waited := false; ; waited = true {
		cp, err := lastCheckpoint(ctx, cfg)
		if err != nil || cp.lineage == "" || cp.lineage == want {
			return cp, err
		}
		if time.Now().After(deadline) {
			return cp, fmt.Errorf("%w: stream lineage %s, Turso lineage %s", ErrOtherDatabase, cp.lineage, want)
		}
		if !waited {
			cfg.Logger.Warn("the stream still carries another database; waiting for the changefeed to publish this one",
				"stream_lineage", cp.lineage, "turso_lineage", want)
		}
		if !outage.Sleep(ctx, 200*time.Millisecond) {
			return cp, ctx.Err()
		}
	}
}
