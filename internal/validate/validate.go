package validate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// Run validates store against db.
func Run(ctx context.Context, db *turso.DB, store *cachestore.Store) (*Report, error) {
	v := &validator{db: db, store: store, opts: store.Options(), r: &Report{MissingLatest: []string{}}}
	if err := v.run(ctx); err != nil {
		return nil, err
	}
	r := v.r
	r.Consistent = r.Stale == 0 && r.Diverged == 0 && r.OrphanEmbeddings == 0
	return r, nil
}

type validator struct {
	db     *turso.DB
	store  *cachestore.Store
	opts   cachestore.Options
	r      *Report
	window map[string]bool // expected episode ids (nil: unbounded)
}

func (v *validator) run(ctx context.Context) error {
	var err error
	if v.r.TursoHeadVersion, err = v.db.Head(ctx); err != nil {
		return err
	}
	v.r.AppliedVersion = v.store.State().AppliedVersion
	if err := v.loadWindow(ctx); err != nil {
		return err
	}
	for _, e := range protocol.Entities {
		if err := v.compareKind(ctx, e); err != nil {
			return err
		}
	}
	return v.countOrphans()
}

func (v *validator) loadWindow(ctx context.Context) error {
	if v.opts.MaxEpisodes == 0 {
		return nil
	}
	ids, err := v.db.RecentEpisodeIDs(ctx, v.opts.MaxEpisodes)
	v.window = make(map[string]bool, len(ids))
	for _, id := range ids {
		v.window[id] = true
	}
	return err
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

// expected reports whether a Turso row should be in the cache.
func (v *validator) expected(row *turso.Row) bool {
	switch row.Entity {
	case protocol.EntityEpisode:
		return v.window == nil || v.window[row.ID]
	case protocol.EntityPattern:
		return !v.opts.NoPatterns
	}
	if v.opts.NoEmbeddings || !row.OwnerExists {
		return false
	}
	if row.Owner == protocol.EntityPattern {
		return !v.opts.NoPatterns
	}
	return v.window == nil || v.window[row.OwnerID]
}

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
			err := v.compare(ctx, e, &t, nil)
			t, terr, tok = tnext()
			if err != nil {
				return err
			}
		case cmp > 0:
			err := v.compare(ctx, e, nil, &c)
			c, cerr, cok = cnext()
			if err != nil {
				return err
			}
		default:
			err := v.compare(ctx, e, &t, &c)
			t, terr, tok = tnext()
			c, cerr, cok = cnext()
			if err != nil {
				return err
			}
		}
	}
	return v.missingLatest(e)
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

func (v *validator) compare(ctx context.Context, e protocol.Entity, t *turso.Row, c *cachestore.Item) error {
	k := v.kind(e)
	want := t != nil && t.Err == nil && v.expected(t)
	have := c != nil && c.Data != nil
	v.count(k, t, want, have)
	if want == have && (!want || bytes.Equal(t.Data, c.Data)) {
		return nil
	}
	k.Mismatched++
	id := idOf(t, c)
	return v.classify(ctx, e, id, want != have, fmt.Sprintf("%s %q: expected=%v cached=%v", e, id, want, have))
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

// classify counts a difference as stale or diverged. A membership
// difference (in the window or not, owner cached or not) while the cache is
// behind the Turso head can come from other entities' unapplied changes
// (newer episodes pushing this one out), so it is stale, not diverged.
func (v *validator) classify(ctx context.Context, e protocol.Entity, id string, membership bool, what string) error {
	ver, err := v.db.EntityVersion(ctx, e, id)
	if err != nil {
		return err
	}
	behind := v.r.TursoHeadVersion > v.r.AppliedVersion
	if ver > v.r.AppliedVersion || (membership && behind) {
		v.r.Stale++
		v.r.example("stale " + what)
		return nil
	}
	v.r.Diverged++
	v.r.example("diverged " + what)
	return nil
}

func (v *validator) missingLatest(e protocol.Entity) error {
	if e != protocol.EntityEpisode {
		return nil
	}
	for id := range v.window {
		ok, err := v.store.IsCached(e, id)
		if err != nil {
			return err
		}
		if !ok && len(v.r.MissingLatest) < maxListed {
			v.r.MissingLatest = append(v.r.MissingLatest, id)
		}
	}
	return nil
}

func (v *validator) countOrphans() error {
	return v.store.ScanCatalog(protocol.EntityEmbedding, func(it cachestore.Item) error {
		if it.Data == nil {
			return nil
		}
		ok, err := v.store.IsCached(it.Owner, it.OwnerID)
		if !ok && err == nil {
			v.r.OrphanEmbeddings++
			v.r.example(fmt.Sprintf("orphan embedding %q of %s %q", it.ID, it.Owner, it.OwnerID))
		}
		return err
	})
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
		err := v.store.ScanCatalog(e, func(it cachestore.Item) error {
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
