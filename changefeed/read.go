package changefeed

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// item is one collapsed change: the newest change of an entity in a batch.
type item struct {
	Entity  protocol.Entity
	ID      string
	Version uint64
	Row     *turso.Row // nil: the row no longer exists (delete)
	NullID  bool       // the change log recorded a NULL id
}

// readBatch is what one step read from Turso in one read transaction.
type readBatch struct {
	from    uint64 // cursor the read started from
	items   []item
	cursor  uint64 // last change_id covered
	head    uint64
	changes int // change-log rows covered (before collapsing)
	full    bool
}

func (c *Changefeed) read(ctx context.Context, from uint64) (*readBatch, error) {
	b := &readBatch{from: from, cursor: from}
	err := c.db.Snapshot(ctx, func(tx *sql.Tx) error {
		ch, err := turso.ChangesAfter(ctx, tx, from, c.opts.BatchSize)
		if err != nil {
			return err
		}
		if b.head, err = turso.Head(ctx, tx); err != nil {
			return err
		}
		b.full = len(ch) == c.opts.BatchSize
		ch = c.gaps.cut(from, ch, time.Now())
		b.changes = len(ch)
		if len(ch) > 0 {
			b.cursor = ch[len(ch)-1].ID
		}
		b.items = collapse(ch)
		return joinRows(ctx, tx, b.items)
	})
	return b, err
}

// collapse keeps the newest change per entity, ordered by version.
func collapse(ch []turso.Change) []item {
	newest := make(map[[2]string]int, len(ch))
	var out []item
	for _, c := range ch {
		if c.NullID {
			out = append(out, item{Entity: c.Entity, Version: c.ID, NullID: true})
			continue
		}
		k := [2]string{string(c.Entity), c.EntityID}
		if i, ok := newest[k]; ok {
			out[i].Version = c.ID
			continue
		}
		newest[k] = len(out)
		out = append(out, item{Entity: c.Entity, ID: c.EntityID, Version: c.ID})
	}
	slices.SortFunc(out, func(a, b item) int { return cmp.Compare(a.Version, b.Version) })
	return out
}

// joinRows attaches the current row of every item (same read transaction).
func joinRows(ctx context.Context, tx *sql.Tx, items []item) error {
	for _, e := range protocol.Entities {
		var ids []string
		for _, it := range items {
			if it.Entity == e && !it.NullID {
				ids = append(ids, it.ID)
			}
		}
		rows, err := turso.ReadRows(ctx, tx, e, ids)
		if err != nil {
			return err
		}
		for i := range items {
			if r, ok := rows[items[i].ID]; ok && items[i].Entity == e && !items[i].NullID {
				items[i].Row = &r
			}
		}
	}
	return nil
}
