package cachestore

import (
	"bytes"
	"context"
	"errors"

	"github.com/cockroachdb/pebble/v2"
	"github.com/memsync/memsync/protocol"
)

// The horizon (item 6 of issue 9). With a bounded window, the catalog
// would otherwise know every live episode of the database (and their
// embeddings): a cache would grow with Turso, not with its window. It
// keeps knowing only the window plus Options.Reserve episodes beyond it
// and forgets the least recent others, and finds them again in the stream
// when it needs them:
//
//   - forget: while more than MaxEpisodes+Reserve episodes are known, the
//     least recent one (never a cached one) is forgotten with its
//     embeddings' entries, if its version is at or below the floor (so the
//     floor rule keeps a redelivered old change of it a no-op), or, above
//     the floor, if it owns no embedding entries, leaving a tombstone at
//     its version (forgetEpisode: a cold sync forgets as it goes). An
//     embedding whose owner episode is not known (deleted, forgotten, or
//     not yet arrived) is forgotten at or below the floor the same way.
//     State.Horizon is the most recent sort key forgotten: every live
//     episode the catalog does not know sorts at or after it (or has a
//     change above the applied checkpoint still to come).
//   - recall: when the known episodes cannot fill the window and a horizon
//     is set, the source's Scan lists the newest message of every episode
//     and the most recent ones the catalog does not know are applied as
//     known again (horizon moves back, or is cleared when none is left).
//   - embeddings come back with their owner: an episode upsert for an
//     entity the catalog does not hold live, once anything was forgotten
//     (State.Pruned), brings back the embeddings its message lists (each
//     by the source's Latest), or, for a message without a list, those the
//     source's Scan of embeddings names with this owner.
//
// Forgetting needs a Scanner to find things again (an Apply whose source is
// not one forgets nothing) and a changefeed that lists embeddings (State.
// Lists): a message without a list costs a scan of the embeddings when its
// episode returns, so with an older changefeed nothing is forgotten.
//
// INVARIANT 5 holds across forget and recall: the cached episodes are the
// MaxEpisodes most recent live ones and every cached owner has all its
// embeddings (TestRandomizedHorizonModel).

// DefaultReserve is the least number of episodes beyond the window the
// catalog keeps knowing when Options.Reserve is 0 (the default is
// max(MaxEpisodes, DefaultReserve)).
const DefaultReserve = 1000

// Scanner is the side of a BodySource that lists the newest change of every
// entity of a kind (the worker reads the last message of every subject).
type Scanner interface {
	Scan(ctx context.Context, e protocol.Entity, fn func(Change) error) error
}

// reserve is how many episodes beyond the window stay known (-1: all).
func (o *Options) reserve() int {
	switch {
	case o.MaxEpisodes == 0 || o.Reserve < 0:
		return -1
	case o.Reserve == 0:
		return max(o.MaxEpisodes, DefaultReserve)
	}
	return o.Reserve
}

// forgetFar forgets the least recent known episodes while more than the
// window and the reserve are known, at most budget of them.
func (a *applier) forgetFar(budget int) error {
	r := a.s.opts.reserve()
	if r < 0 || a.scan == nil || !a.st.Lists {
		return nil
	}
	hi := prefixEnd(sortPrefix)
	if a.st.Horizon != nil {
		hi = a.st.Horizon // nothing known at or after it (forgetArriving)
	}
	if a.st.Known <= a.s.opts.MaxEpisodes+r || budget <= 0 {
		return nil
	}
	// One iterator of its own, walked backwards from the least recent
	// known episode: a seek per forgotten episode was a fifth of a worker's
	// CPU at 8,000 new episodes a second. It sees the batch as it is now;
	// forgetEpisode deletes only the sort key it is given (its other
	// deletes are outside the sort keys), so the keys still ahead of the
	// walk, all more recent, are as the iterator saw them. It is not the
	// applier's shared iterator, which forgetEpisode re-aims.
	it, err := a.b.NewIter(&pebble.IterOptions{LowerBound: sortPrefix, UpperBound: hi})
	if err != nil {
		return wrapErr(err)
	}
	defer it.Close()
	valid := it.Last()
	for n := 0; a.st.Known > a.s.opts.MaxEpisodes+r && n < budget; n++ {
		if !valid {
			return wrapErr(it.Error())
		}
		k := bytes.Clone(it.Key())
		if a.inWindow(k) {
			return nil
		}
		ok, err := a.forgetEpisode(k)
		if !ok || err != nil {
			return err
		}
		valid = it.Prev()
	}
	return nil
}

// forgetEpisode forgets the episode at sort key k and its embeddings'
// entries. At or below the floor its entry is deleted. Above it (a catch-up
// from the compacted stream sees no checkpoint before its end, so the floor
// stays behind for the whole of a cold sync) it keeps a tombstone at its
// version, as an episode forgotten on arrival does, but only while it owns
// no embedding entries: false (it waits for the floor) when it does.
func (a *applier) forgetEpisode(k []byte) (bool, error) {
	id := idFromSortKey(k)
	cur, err := a.catalog(kindEpisode, id)
	if err != nil {
		return false, err
	}
	ids, err := a.ownedIDs(kindEpisode, id)
	above := cur.Version > a.st.Floor
	if err != nil || above && len(ids) > 0 {
		return false, err
	}
	for _, emb := range ids {
		if err := a.forgetEmbedding(emb, kindEpisode, id); err != nil {
			return false, err
		}
	}
	if err := a.del(k); err != nil {
		return false, err
	}
	a.st.Known--
	if a.st.Horizon == nil || bytes.Compare(k, a.st.Horizon) < 0 {
		a.st.Horizon = k
	}
	a.st.Pruned = true
	a.stats.Forgotten++
	if above {
		// INVARIANT 4: a change of it at or below its version stays a
		// no-op; the collector removes the tombstone at the floor
		return true, a.tombstone(kindEpisode, id, cur.Version)
	}
	return true, a.del(catalogKey(kindEpisode, id))
}

func (a *applier) forgetEmbedding(id string, owner byte, ownerID string) error {
	if err := a.del(ownerKey(owner, ownerID, id)); err != nil {
		return err
	}
	a.st.Pruned = true
	a.stats.Forgotten++
	return a.del(catalogKey(kindEmbedding, id))
}

// unownedEmbedding reports an embedding entry (catalog key k) the collector
// may forget: live, owned by an episode the catalog does not hold live, at
// or below the floor.
func (a *applier) unownedEmbedding(k []byte, e entry) (bool, error) {
	if !bytes.HasPrefix(k, catalogPrefix(kindEmbedding)) || a.scan == nil || !a.st.Lists || a.s.opts.reserve() < 0 || !e.live() || e.OwnerKind != kindEpisode || e.Version > a.st.Floor {
		return false, nil
	}
	owner, err := a.catalog(kindEpisode, e.OwnerID)
	return !owner.live(), err
}

// beyondHorizon reports a sort key at or after the horizon: an episode
// there is not known (the known ones are exactly those before it).
func (a *applier) beyondHorizon(k []byte) bool {
	return a.st.Horizon != nil && bytes.Compare(k, a.st.Horizon) >= 0
}

// forgetArriving records an upsert that sorts beyond the horizon as
// forgotten at once: a tombstone at its version (so an older change of it
// stays a no-op, and the collector removes it at the floor like any
// other). The known episodes stay exactly those before the horizon, so the
// least recent known one is found without walking over forgotten ones, and
// a recall finds it in the stream like every forgotten episode.
// INVARIANT 5.3 (horizon): no episode at or after the horizon is known.
func (a *applier) forgetArriving(c Change) error {
	a.stats.Forgotten++
	return a.tombstone(kindEpisode, c.ID, c.Version)
}

// countKnown counts the sort keys (Open: State.Known is not persisted).
func countKnown(r pebble.Reader) (int, error) {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: sortPrefix, UpperBound: prefixEnd(sortPrefix)})
	if err != nil {
		return 0, wrapErr(err)
	}
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	return n, wrapErr(errors.Join(it.Error(), it.Close()))
}

// unowned is an embedding entry the collector's pass found forgettable.
type unowned struct {
	key []byte
	e   entry
}

// forgetUnowned forgets the embeddings the pass found unowned (after the
// pass's iterator is closed).
func (a *applier) forgetUnowned() error {
	p := len(catalogPrefix(kindEmbedding))
	for _, u := range a.unowned {
		if err := a.forgetEmbedding(string(u.key[p:]), u.e.OwnerKind, u.e.OwnerID); err != nil {
			return err
		}
	}
	a.unowned = nil
	return nil
}
