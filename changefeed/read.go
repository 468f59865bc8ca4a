package changefeed

import (
	"cmp"
	"context"
	"database/sql"
	"slices"

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
	lineage string // the database's lineage in the same snapshot
	changes int    // change-log rows covered (before collapsing)
	full    bool
}

// read reads, in one snapshot, the lineage, the head and up to BatchSize
// changes above from with their current rows, the rows only up to
// MaxBatchBytes: the memory a step holds is bounded by bytes, not rows.
func (c *Changefeed) read(ctx context.Context, from uint64) (*readBatch, error) {
	b := &readBatch{from: from, cursor: from}
	err := c.db.Snapshot(ctx, func(tx *sql.Tx) error {
		var err error
		if b.head, b.lineage, err = turso.HeadAndLineage(ctx, tx); err != nil {
			return err
		}
		ch, err := turso.ChangesAfter(ctx, tx, from, c.opts.BatchSize)
		if err != nil {
			return err
		}
		read := len(ch)
		ch = c.gaps.cut(from, ch, c.now())
		// INVARIANT 1.4 (no busy loop): a batch is full, and Run polls again
		// without sleeping, only when the read was cut by BatchSize and
		// nothing was held back at a change_id gap; a held gap waits the
		// poll interval.
		b.full = read == c.opts.BatchSize && len(ch) == read
		items := collapse(ch)
		kept, err := joinRows(ctx, tx, items, c.opts.MaxBatchBytes)
		b.items = items[:kept]
		b.cover(ch, items, kept)
		return err
	})
	return b, err
}

// cover sets the cursor and the count of covered changes: all of ch, or
// up to just before the first item left out by the byte bound.
func (b *readBatch) cover(ch []turso.Change, items []item, kept int) {
	if len(ch) == 0 {
		return
	}
	b.cursor = ch[len(ch)-1].ID
	if kept < len(items) {
		b.cursor, b.full = items[kept].Version-1, true
	}
	for _, c := range ch {
		if c.ID <= b.cursor {
			b.changes++
		}
	}
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
