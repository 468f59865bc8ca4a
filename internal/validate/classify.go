package validate

import "github.com/memsync/memsync/protocol"

// verdict is what a difference between the cache and Turso means.
type verdict int

const (
	stale    verdict = iota + 1 // explained by changes the cache has not applied yet
	diverged                    // the cache is wrong about something it applied
)

func (v verdict) String() string {
	if v == stale {
		return "stale"
	}
	return "diverged"
}

// facts are what one validation pass knows about the cache's progress.
type facts struct {
	applied uint64 // the cache's applied checkpoint
	// covered: the change log still holds every change after applied (none
	// of them pruned), so an entity with no change-log row at all has its
	// newest change at or below applied.
	covered bool
	window  int // MaxEpisodes (0: unbounded)
	// shift bounds how far an episode's rank in Turso's window can be from
	// its rank in the cache's: each episode changed after applied (inserted,
	// deleted, moved, made unsyncable) moves it by at most one place.
	shift int
}

// diff is one entity that differs, with the evidence to judge it.
type diff struct {
	entity     protocol.Entity
	id         string
	want, have bool   // expected in the cache by Turso; cached
	gone       bool   // Turso has no syncable row for it
	version    uint64 // newest change_id above applied in the change log (0: none)
	// rankT and rankC place an episode in Turso's window and in the cache's
	// (1 is the most recent; 0: outside it).
	rankT, rankC int
	owner        *diff // an embedding's owner
}

// unapplied reports whether the entity has a change the cache has not
// applied, or one that pruning hides (which could be).
func (f facts) unapplied(d *diff) bool {
	return d.version > f.applied || (d.version == 0 && !f.covered)
}

// classify judges a difference. The rule, in order:
//  1. the entity itself changed after the applied checkpoint (or pruning
//     hides whether it did): stale;
//  2. both sides hold it with different data: diverged;
//  3. a membership difference of an episode (or of an embedding through its
//     owner) is stale only if unapplied changes of other episodes can move
//     it across the window's edge: its rank on the side that holds it is
//     within shift of the edge; anything deeper, anything in an unbounded
//     window, and an entity Turso no longer has (its delete was applied) is
//     diverged.
//
// INVARIANT 6.1 (validation): a difference is "diverged" only if no sequence
// of unapplied changes could explain it; so a healthy lagging cache is never
// rebuilt and a lost delete or a missing episode deep in the window is.
func (f facts) classify(d *diff) verdict {
	if f.unapplied(d) {
		return stale
	}
	if d.want && d.have {
		return diverged
	}
	switch d.entity {
	case protocol.EntityEpisode:
		return f.membership(d)
	case protocol.EntityEmbedding:
		if d.owner == nil || d.gone {
			return diverged
		}
		if f.unapplied(d.owner) {
			return stale
		}
		if d.owner.entity != protocol.EntityEpisode || (d.owner.rankT > 0) == (d.owner.rankC > 0) {
			return diverged // the owner is where it should be: the embedding is wrong
		}
		return f.membership(d.owner)
	}
	return diverged
}

// membership judges an episode in one window and not the other.
func (f facts) membership(d *diff) verdict {
	if f.window == 0 || d.gone {
		return diverged // nothing ranks an episode out of an unbounded window, or out of existence
	}
	if !f.covered {
		return stale
	}
	rank := d.rankT
	if rank == 0 {
		rank = d.rankC
	}
	if rank == 0 {
		return diverged // in neither window: nothing to explain
	}
	if rank > f.window-f.shift {
		return stale
	}
	return diverged
}
