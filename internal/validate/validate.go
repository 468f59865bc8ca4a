package validate

import (
	"context"
	"fmt"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// Run validates store against db. The cache side is read from one snapshot
// (its applied checkpoint and its data agree); Turso is read as it is now,
// and every difference is judged against what the cache has applied.
func Run(ctx context.Context, db *turso.DB, store *cachestore.Store, opts *Options) (*Report, error) {
	if opts == nil {
		opts = &Options{}
	}
	v := &validator{db: db, opts: store.Options(), limit: opts.MaxMessageBytes, betweenReads: opts.betweenReads,
		r:   &Report{MissingLatest: []string{}, Unsyncable: UnsyncableReport{Rows: []turso.Unsyncable{}}},
		bad: map[protocol.Entity]map[string]bool{}}
	err := store.View(func(view *cachestore.View) error {
		v.view = view
		return v.run(ctx)
	})
	if err != nil {
		return nil, err
	}
	r := v.r
	r.Consistent = r.Stale == 0 && r.Diverged == 0 && r.OrphanEmbeddings == 0
	return r, nil
}

type validator struct {
	db    *turso.DB
	view  *cachestore.View
	opts  cachestore.Options
	limit int64
	r     *Report
	rankT map[string]int                      // Turso's window: episode id -> rank (nil: unbounded)
	rankC map[string]int                      // the cache's window
	bad   map[protocol.Entity]map[string]bool // unsyncable rows by kind
	diffs []*diff
	// betweenReads is Options.betweenReads (nil in production).
	betweenReads func(context.Context) error
}

func (v *validator) run(ctx context.Context) error {
	st, err := v.view.State()
	if err != nil {
		return err
	}
	v.r.AppliedVersion = st.AppliedVersion
	if v.r.TursoHeadVersion, err = v.db.Head(ctx); err != nil {
		return err
	}
	if err := v.loadWindows(ctx); err != nil {
		return err
	}
	for _, e := range protocol.Entities {
		if err := v.compareKind(ctx, e); err != nil {
			return err
		}
	}
	if err := v.judge(ctx); err != nil {
		return err
	}
	v.missingLatest()
	return v.countOrphans()
}

// loadWindows ranks the episodes of both windows.
func (v *validator) loadWindows(ctx context.Context) error {
	if v.opts.MaxEpisodes == 0 {
		return nil
	}
	w, err := v.db.SyncableWindow(ctx, v.opts.MaxEpisodes, v.limit)
	if err != nil {
		return err
	}
	v.rankT = make(map[string]int, len(w.IDs))
	for i, id := range w.IDs {
		v.rankT[id] = i + 1
	}
	for _, u := range w.Unsyncable {
		v.markBad(u.Entity, u.ID)
	}
	v.rankC = make(map[string]int, len(w.IDs))
	return v.view.Recent(func(id string, _ int64, _ []byte) (bool, error) {
		v.rankC[id] = len(v.rankC) + 1
		return true, nil
	})
}

func (v *validator) markBad(e protocol.Entity, id string) {
	if v.bad[e] == nil {
		v.bad[e] = map[string]bool{}
	}
	v.bad[e][id] = true
}

// judge classifies every difference once the whole of Turso was read: the
// shift counts every episode change the reads may have seen.
func (v *validator) judge(ctx context.Context) error {
	if len(v.diffs) == 0 {
		return nil
	}
	f := facts{applied: v.r.AppliedVersion, window: v.opts.MaxEpisodes}
	if err := v.versions(ctx, f.applied); err != nil {
		return err
	}
	if v.betweenReads != nil {
		if err := v.betweenReads(ctx); err != nil {
			return err
		}
	}
	// INVARIANT 6: whether the log covers the unapplied changes is read
	// after every entity's version: a prune between the two could delete
	// an entity's unapplied change (its version reads 0) and, read before,
	// leave "covered" true: a lagging entity judged diverged. Pruning goes
	// in change_id order, so once it removed one above applied it also
	// removed applied+1, and this read sees the log no longer covers
	// (TestPruneBetweenReadsKeepsLaggingStale).
	var err error
	if f.covered, err = v.db.LogCovers(ctx, f.applied); err != nil {
		return err
	}
	if f.window > 0 {
		if f.shift, err = v.db.ChangedEntities(ctx, protocol.EntityEpisode, f.applied); err != nil {
			return err
		}
	}
	for _, d := range v.diffs {
		verdict := f.classify(d)
		if verdict == stale {
			v.r.Stale++
		} else {
			v.r.Diverged++
		}
		v.r.example(fmt.Sprintf("%s %s %q: expected=%v cached=%v", verdict, d.entity, d.id, d.want, d.have))
	}
	return nil
}

// versions reads, in one pass over the log above applied, the newest
// unapplied change of every differing entity and of each one's owner.
// Only a change above applied can make an entity unapplied: one at or
// below it would also mean the log covers applied (facts.unapplied).
func (v *validator) versions(ctx context.Context, applied uint64) error {
	var keys []turso.EntityKey
	for _, d := range v.diffs {
		keys = append(keys, turso.EntityKey{Entity: d.entity, ID: d.id})
		if d.owner != nil {
			keys = append(keys, turso.EntityKey{Entity: d.owner.entity, ID: d.owner.id})
		}
	}
	got, err := v.db.VersionsAfter(ctx, applied, keys)
	if err != nil {
		return err
	}
	for _, d := range v.diffs {
		d.version = got[turso.EntityKey{Entity: d.entity, ID: d.id}]
		if d.owner != nil {
			d.owner.version = got[turso.EntityKey{Entity: d.owner.entity, ID: d.owner.id}]
		}
	}
	return nil
}

func (v *validator) missingLatest() {
	for id := range v.rankT {
		if v.rankC[id] == 0 && len(v.r.MissingLatest) < maxListed {
			v.r.MissingLatest = append(v.r.MissingLatest, id)
		}
	}
}

func (v *validator) countOrphans() error {
	return v.view.ScanCatalog(protocol.EntityEmbedding, func(it cachestore.Item) error {
		if it.Data == nil {
			return nil
		}
		ok, err := v.view.Cached(it.Owner, it.OwnerID)
		if !ok && err == nil {
			v.r.OrphanEmbeddings++
			v.r.example(fmt.Sprintf("orphan embedding %q of %s %q", it.ID, it.Owner, it.OwnerID))
		}
		return err
	})
}
