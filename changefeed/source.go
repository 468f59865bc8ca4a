package changefeed

import (
	"context"
	"database/sql"
	"time"

	"github.com/memsync/memsync/internal/turso"
)

// Source is what the changefeed needs of the database it publishes:
// memsync's objects installed (with the bootstrap capture), one read
// snapshot per step, the change log's head and oldest row, the lineage,
// re-snapshots, pruning and the liveness record. *turso.DB implements it.
type Source interface {
	// URL picks the default poll schedule (a local file or remote).
	URL() string
	// Install creates memsync's objects idempotently and captures the
	// existing rows (ready.go).
	Install(ctx context.Context) (turso.Info, error)
	// Snapshot runs fn in one read transaction (read.go).
	Snapshot(ctx context.Context, fn func(*sql.Tx) error) error
	// Head is the newest change_id.
	Head(ctx context.Context) (uint64, error)
	// OldestChange is the oldest change_id still in the log.
	OldestChange(ctx context.Context) (uint64, error)
	// Lineage names the database's history of change_ids (history.go).
	Lineage(ctx context.Context) (string, error)
	// ForkLineage gives a database restored below cursor a new lineage.
	ForkLineage(ctx context.Context, from string, cursor uint64) (string, error)
	// Resnapshot captures every row again above the head it returns.
	Resnapshot(ctx context.Context) (before uint64, rows int64, err error)
	// PruneChunk deletes the oldest change-log rows at or below upTo, at
	// most turso.PruneChunkRows of them (prune.go).
	PruneChunk(ctx context.Context, upTo uint64) (int64, error)
	// NotePublished records the last publish for uninstall and status; it
	// never blocks the publish path.
	NotePublished(cursor uint64, now time.Time)
}

var _ Source = (*turso.DB)(nil)

// localSource reports a database that is a local file, or none: the nil
// database of an options check, as New always took it (a nil *turso.DB
// included).
func localSource(db Source) bool {
	if d, ok := db.(*turso.DB); db == nil || (ok && d == nil) {
		return true
	}
	return isLocalURL(db.URL())
}
