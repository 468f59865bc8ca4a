package turso

import (
	"context"
	"errors"
	"fmt"

	"github.com/memsync/memsync/protocol"
)

// Syncable reports why a row cannot be synced (malformed, an id too long,
// too large for one message under a max payload of limit bytes), or nil.
// The changefeed parks such rows and publishes a delete in their place;
// validation and the Turso rebuild leave them out by the same rule.
func (r *Row) Syncable(limit int64) error {
	if r.Err != nil {
		return r.Err
	}
	return protocol.CheckSyncable(r.ID, len(r.Data), limit)
}

// Unsyncable names a row left out of the caches and why.
type Unsyncable struct {
	Entity protocol.Entity `json:"entity"`
	ID     string          `json:"id"`
	Reason string          `json:"reason"`
}

// Window is the n most recent syncable episodes, most recent first, with
// the unsyncable rows met on the way (they would otherwise rank among them).
type Window struct {
	IDs        []string
	Unsyncable []Unsyncable
}

var errWindowFull = errors.New("turso: window full")

// SyncableWindow reads the window of the n most recent syncable episodes
// (start_time DESC, episode_id ASC; n == 0: all) from q.
// INVARIANT 5.1 (Turso side): the window counts syncable rows only, so a
// malformed or oversized episode never takes the place of one a cache can
// hold.
func SyncableWindow(ctx context.Context, q querier, n int, limit int64) (Window, error) {
	var w Window
	query := selectCols[protocol.EntityEpisode] + " ORDER BY start_time DESC, episode_id ASC"
	err := scanRows(ctx, q, protocol.EntityEpisode, query, nil, func(r Row) error {
		if err := r.Syncable(limit); err != nil {
			w.Unsyncable = append(w.Unsyncable, Unsyncable{Entity: r.Entity, ID: r.ID, Reason: err.Error()})
			return nil
		}
		w.IDs = append(w.IDs, r.ID)
		if n > 0 && len(w.IDs) >= n {
			return errWindowFull
		}
		return nil
	})
	if errors.Is(err, errWindowFull) {
		err = nil
	}
	return w, err
}

// SyncableWindow reads the window outside a snapshot.
func (d *DB) SyncableWindow(ctx context.Context, n int, limit int64) (Window, error) {
	w, err := SyncableWindow(ctx, d.sql, n, limit)
	return w, d.classify(err)
}

// LogCovers reports whether the change log still holds every change after
// the given change_id (nothing above it was pruned).
func (d *DB) LogCovers(ctx context.Context, after uint64) (bool, error) {
	head, err := d.Head(ctx)
	if err != nil || head <= after {
		return true, err
	}
	oldest, err := d.OldestChange(ctx)
	return oldest != 0 && oldest <= after+1, err
}

// ChangedEntities counts the distinct entities of a kind with a change
// after the given change_id.
func (d *DB) ChangedEntities(ctx context.Context, e protocol.Entity, after uint64) (int, error) {
	var n int
	err := d.sql.QueryRowContext(ctx, `SELECT COUNT(DISTINCT entity_id) FROM memsync_changelog WHERE entity = ? AND change_id > ?`,
		string(e), int64(after)).Scan(&n)
	if isNoTable(err) {
		return 0, nil // not installed yet: nothing changed
	}
	if err != nil {
		return 0, d.classify(fmt.Errorf("count changed %ss: %w", e, err))
	}
	return n, nil
}
