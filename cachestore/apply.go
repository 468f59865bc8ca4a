package cachestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/memsync/memsync/protocol"
)

// applier holds the state of one Apply call.
type applier struct {
	s       *Store
	b       *pebble.Batch
	latest  func(protocol.Entity, string) (Change, bool, error) // the BodySource, bound to the call's ctx
	scan    func(protocol.Entity, func(Change) error) error     // the source's Scan, if it is a Scanner
	scanFor map[string]bool                                     // owners whose embeddings a recall looks up in one scan
	unowned []unowned                                           // embeddings the collector's pass will forget
	inBatch map[string]uint64                                   // newest version the batch itself carries, per entity
	st      State
	pending map[string]Change  // newest change per entity seen in this batch
	stashed map[string]stashed // data this batch dropped, by entity (stash.go)
	data    dataLog            // data keys set or dropped, for Options.OnCommit
	stats   ApplyStats
	it      *pebble.Iterator // the range reads' iterator over b (iter.go), closed before b commits
}

// Apply applies a batch of changes and the stream position in one synced
// Pebble batch. Nothing of the batch is visible or durable before it returns
// nil; on error nothing of it is.
func (s *Store) Apply(ctx context.Context, in Batch, src BodySource) (ApplyStats, error) {
	release, err := s.acquireWrite()
	if err != nil {
		return ApplyStats{}, err
	}
	defer release()
	a := s.newApplier(ctx, src)
	defer a.b.Close()
	defer a.closeIter() // before the batch's Close
	if err := a.run(in); err != nil {
		return a.stats, err
	}
	if err := a.collect(max(a.st.AppliedVersion, in.Checkpoint), len(in.Changes)); err != nil {
		return a.stats, err
	}
	if err := a.closeIter(); err != nil {
		return a.stats, err
	}
	if err := a.commit(in); err != nil {
		return a.stats, err
	}
	s.mustHoldInvariants(fmt.Sprintf("Apply at position %d", in.Position))
	a.notify()
	return a.stats, nil
}

// newApplier starts a write on a new indexed batch over the current state,
// reading bodies and scans from src (nil: none).
func (s *Store) newApplier(ctx context.Context, src BodySource) *applier {
	a := &applier{s: s, b: s.db.NewIndexedBatch(), st: s.State(), pending: map[string]Change{}}
	if src != nil {
		a.latest = func(e protocol.Entity, id string) (Change, bool, error) { return src.Latest(ctx, e, id) }
	}
	if sc, ok := src.(Scanner); ok {
		a.scan = func(e protocol.Entity, fn func(Change) error) error { return sc.Scan(ctx, e, fn) }
	}
	return a
}

// mustHoldInvariants checks every invariant after a committed write when
// built with -tags invariants (CI), and panics naming the write.
func (s *Store) mustHoldInvariants(after string) {
	if !invariantsOn {
		return
	}
	if err := s.checkInvariants(); err != nil {
		panic(fmt.Sprintf("cachestore: invariant broken after %s: %v", after, err))
	}
}

func (a *applier) run(in Batch) error {
	a.inBatch = make(map[string]uint64, len(in.Changes))
	for _, c := range in.Changes {
		k := pendingKey(c.Entity, c.ID)
		a.inBatch[k] = max(a.inBatch[k], c.Version)
	}
	for _, c := range in.Changes {
		if err := a.applyChange(c); err != nil {
			return err
		}
	}
	return a.refill()
}

// commit writes the position with the data.
// INVARIANT 3: the position and applied checkpoint are written in the same
// Pebble batch as the data and committed with Sync before anyone acks.
func (a *applier) commit(in Batch) error {
	if in.Position > a.st.Position {
		a.st.Position, a.st.PositionTime = in.Position, in.PositionTime
	}
	a.st.AppliedVersion = max(a.st.AppliedVersion, in.Checkpoint)
	a.st.LastSyncMs = time.Now().UnixMilli()
	return a.commitState()
}

// commitState writes the state with the batch, commits it with Sync and
// publishes the state.
func (a *applier) commitState() error {
	if err := a.b.Set(metaKey("state"), a.st.encode(), nil); err != nil {
		return wrapErr(err)
	}
	if err := a.b.Commit(pebble.Sync); err != nil {
		return wrapErr(err)
	}
	a.s.mu.Lock()
	a.s.state = a.st
	a.s.mu.Unlock()
	return nil
}

func pendingKey(e protocol.Entity, id string) string { return string(e) + "/" + id }

func (a *applier) applyChange(c Change) error {
	if err := c.Prepare(); err != nil {
		return err
	}
	k := kindOf(c.Entity)
	cur, err := a.catalog(k, c.ID)
	if err != nil {
		return err
	}
	// INVARIANT 4: older or equal versions are ignored, and so is a change
	// at or below the floor for an entity whose tombstone was collected.
	if cur.Version >= c.Version || a.belowFloor(cur, c) {
		a.stats.Skipped++
		return nil
	}
	a.stats.Applied++
	return a.dispatch(c, cur)
}

// dispatch applies a change that moves its entity forward from cur.
func (a *applier) dispatch(c Change, cur entry) error {
	if c.Op == protocol.OpUpsert {
		a.pending[pendingKey(c.Entity, c.ID)] = c
	}
	switch c.Entity {
	case protocol.EntityEpisode:
		return a.applyEpisode(c, cur)
	case protocol.EntityPattern:
		return a.applyPattern(c, cur)
	}
	return a.applyEmbedding(c, cur)
}

func (a *applier) catalog(k byte, id string) (entry, error) {
	key := catalogKey(k, id)
	if !a.s.mayHaveCatalog(key) { // INVARIANT 5.4 (key filters): never written
		return entry{}, nil
	}
	b, err := getFrom(a.b, key)
	if errors.Is(err, ErrNotFound) {
		return entry{}, nil
	}
	if err != nil {
		return entry{}, err
	}
	return decodeEntry(b)
}

func (a *applier) putCatalog(k byte, id string, e entry) error {
	key := catalogKey(k, id)
	a.s.noteCatalog(key) // INVARIANT 5.4 (key filters): before the entry exists
	return a.set(key, e.encode())
}

// tombstone keeps the version of a deleted entity (INVARIANT 4).
func (a *applier) tombstone(k byte, id string, version uint64) error {
	return a.putCatalog(k, id, entry{Version: version, Deleted: true})
}

func (a *applier) set(k, v []byte) error { return wrapErr(a.b.Set(k, v, nil)) }
func (a *applier) del(k []byte) error    { return wrapErr(a.b.Delete(k, nil)) }

func (a *applier) has(k []byte) (bool, error) {
	_, err := getFrom(a.b, k)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
