package validate

import (
	"bytes"
	"context"
	"errors"
	"iter"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// compareKind merge-joins Turso's rows and the cache's entries of one kind
// in id order and records every difference.
func (v *validator) compareKind(ctx context.Context, e protocol.Entity) error {
	tnext, tstop := iter.Pull2(v.tursoRows(ctx, e))
	defer tstop()
	cnext, cstop := iter.Pull2(v.cacheItems(e))
	defer cstop()
	t, terr, tok := tnext()
	c, cerr, cok := cnext()
	for tok || cok {
		if err := firstErr(tok, terr, cok, cerr); err != nil {
			return err
		}
		switch cmp := compareIDs(tok, t, cok, c); {
		case cmp < 0:
			v.compare(e, &t, nil)
			t, terr, tok = tnext()
		case cmp > 0:
			v.compare(e, nil, &c)
			c, cerr, cok = cnext()
		default:
			v.compare(e, &t, &c)
			t, terr, tok = tnext()
			c, cerr, cok = cnext()
		}
	}
	return nil
}

func firstErr(tok bool, terr error, cok bool, cerr error) error {
	if tok && terr != nil {
		return terr
	}
	if cok && cerr != nil {
		return cerr
	}
	return nil
}

// compareIDs orders the two heads; an exhausted side sorts last.
func compareIDs(tok bool, t turso.Row, cok bool, c cachestore.Item) int {
	switch {
	case !cok:
		return -1
	case !tok:
		return 1
	}
	return bytes.Compare([]byte(t.ID), []byte(c.ID))
}

// compare counts one entity and records it when the sides differ.
func (v *validator) compare(e protocol.Entity, t *turso.Row, c *cachestore.Item) {
	k := v.kind(e)
	syncable := t != nil && v.syncable(t)
	want := syncable && v.expected(t)
	have := c != nil && c.Data != nil
	v.count(k, t, want, have)
	if want == have && (!want || bytes.Equal(t.Data, c.Data)) {
		return
	}
	k.Mismatched++
	d := &diff{entity: e, id: idOf(t, c), want: want, have: have, gone: !syncable,
		rankT: v.rankT[idOf(t, c)], rankC: v.rankC[idOf(t, c)]}
	if e != protocol.EntityEpisode {
		d.rankT, d.rankC = 0, 0
	}
	if e == protocol.EntityEmbedding {
		d.owner = v.ownerOf(t, c)
	}
	v.diffs = append(v.diffs, d)
}

// syncable reports whether a Turso row can be in a cache; an unsyncable
// one is reported apart.
func (v *validator) syncable(t *turso.Row) bool {
	err := t.Syncable(v.limit)
	if err == nil {
		return true
	}
	v.markBad(t.Entity, t.ID)
	v.r.unsyncable(turso.Unsyncable{Entity: t.Entity, ID: t.ID, Reason: err.Error()})
	return false
}

// ownerOf is the evidence about an embedding's owner (Turso's view of the
// owner when Turso has the embedding, else the cache's).
func (v *validator) ownerOf(t *turso.Row, c *cachestore.Item) *diff {
	o := &diff{entity: protocol.EntityEpisode}
	switch {
	case t != nil && t.Err == nil:
		o.entity, o.id, o.gone = t.Owner, t.OwnerID, !t.OwnerExists
	case c != nil && c.Owner != "":
		o.entity, o.id, o.gone = c.Owner, c.OwnerID, true
	default:
		return nil
	}
	o.gone = o.gone || v.bad[o.entity][o.id]
	if o.entity == protocol.EntityEpisode {
		o.rankT, o.rankC = v.rankT[o.id], v.rankC[o.id]
	}
	return o
}

func (v *validator) kind(e protocol.Entity) *KindReport {
	switch e {
	case protocol.EntityEpisode:
		return &v.r.Episodes
	case protocol.EntityPattern:
		return &v.r.Patterns
	}
	return &v.r.Embeddings
}

// expected reports whether a syncable Turso row should be in the cache.
func (v *validator) expected(row *turso.Row) bool {
	switch row.Entity {
	case protocol.EntityEpisode:
		return v.rankT == nil || v.rankT[row.ID] > 0
	case protocol.EntityPattern:
		return !v.opts.NoPatterns
	}
	if v.opts.NoEmbeddings || !row.OwnerExists || v.bad[row.Owner][row.OwnerID] {
		return false
	}
	if row.Owner == protocol.EntityPattern {
		return !v.opts.NoPatterns
	}
	return v.rankT == nil || v.rankT[row.OwnerID] > 0
}

func (v *validator) count(k *KindReport, t *turso.Row, want, have bool) {
	if t != nil {
		k.Turso++
		if t.Err != nil {
			v.r.MalformedRows++
		}
	}
	if want {
		k.Expected++
	}
	if have {
		k.Cache++
	}
}

func idOf(t *turso.Row, c *cachestore.Item) string {
	if t != nil {
		return t.ID
	}
	return c.ID
}

func (v *validator) tursoRows(ctx context.Context, e protocol.Entity) iter.Seq2[turso.Row, error] {
	return func(yield func(turso.Row, error) bool) {
		err := v.db.ScanRows(ctx, e, func(r turso.Row) error {
			if !yield(r, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(turso.Row{}, err)
		}
	}
}

func (v *validator) cacheItems(e protocol.Entity) iter.Seq2[cachestore.Item, error] {
	return func(yield func(cachestore.Item, error) bool) {
		err := v.view.ScanCatalog(e, func(it cachestore.Item) error {
			if it.Deleted {
				return nil
			}
			if !yield(it, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			yield(cachestore.Item{}, err)
		}
	}
}
