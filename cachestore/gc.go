package cachestore

import (
	"bytes"

	"github.com/cockroachdb/pebble/v2"
)

// Tombstone collection (item 6 of issue 9). A delete leaves a tombstone in
// the catalog so that an older upsert delivered again cannot resurrect the
// entity (INVARIANT 4). Kept forever, tombstones make the catalog and the
// integrity scan on Open grow with the history of the database. They are
// collected against a floor instead:
//
//   - State.Floor is a version at or below which every change is known
//     applied: it is raised to the applied checkpoint (every change_id at
//     or below State.AppliedVersion has been applied, in stream order).
//   - A tombstone at or below the floor is deleted, in the same Pebble
//     batch that raises the floor, so no tombstone disappears before the
//     floor covers it.
//   - Apply ignores a change for an entity the catalog does not know whose
//     version is at or below the floor (applyChange): a redelivered old
//     upsert or delete of a collected entity stays a no-op.
//
// The collector is incremental: every Apply visits at most Options.GCBudget
// catalog entries from State.GCCursor on (fewer for a small batch:
// stepBudget), which is committed with the batch, so a pass resumes after a
// restart and never stops the world.

// DefaultGCBudget is the number of catalog entries the collector visits per
// Apply when Options.GCBudget is 0.
const DefaultGCBudget = 1024

// gcLeast and gcPerChange size the collector's step to the batch
// (stepBudget); forgetLeast and forgetPerChange its forgets (forgetStep).
const (
	gcLeast         = 64
	gcPerChange     = 8
	forgetLeast     = 16
	forgetPerChange = 2
)

// forgetStep is how many far episodes one Apply forgets: the whole budget
// for a batch without changes, else forgetLeast + forgetPerChange per
// change. A forget costs more than a visit (its catalog entry and owner
// keys are read, its keys deleted: about 100 µs at 1M episodes), and a
// batch of n changes knows at most n more episodes, so the excess still
// shrinks by at least 16 + n a batch; an idle worker forgets the rest in
// Tidy steps.
func forgetStep(budget, changes int) int {
	if changes == 0 {
		return budget
	}
	return min(budget, forgetLeast+forgetPerChange*changes)
}

// stepBudget is how many catalog entries one Apply's collector visits: the
// whole budget for a batch without changes (an idle checkpoint, which has
// nothing else to do) and for a large batch, else gcLeast + gcPerChange per
// change, so that a single change does not pay for a thousand catalog
// visits (each live embedding visited costs a read of its owner's entry).
// The pass still outruns what it collects: a batch of n changes adds at
// most n catalog entries and visits at least 8n, so tombstones stay below
// about a seventh of the live entries.
func stepBudget(budget, changes int) int {
	if changes == 0 {
		return budget
	}
	return min(budget, gcLeast+gcPerChange*changes)
}

var catalogRoot = []byte("c/")

// belowFloor reports a change for an entity the catalog does not know at
// or below the floor: it is known applied (and then deleted and collected),
// so it must not create the entity again. INVARIANT 4 (floor).
func (a *applier) belowFloor(cur entry, c Change) bool {
	return cur.Version == 0 && c.Version <= a.st.Floor
}

// collect raises the floor to the checkpoint this batch commits and deletes
// the tombstones at or below it among the next budget catalog entries.
// INVARIANT 4.1 (floor): the floor never exceeds an applied checkpoint, and
// a tombstone is deleted only in a batch whose floor covers its version.
func (a *applier) collect(applied uint64, changes int) error {
	budget := a.s.opts.GCBudget
	if budget < 0 {
		return nil
	}
	if budget == 0 {
		budget = DefaultGCBudget
	}
	a.st.Floor = max(a.st.Floor, applied)
	return a.collectStep(stepBudget(budget, changes), forgetStep(budget, changes))
}

// collectStep visits up to visits catalog entries from the cursor on,
// deleting the tombstones at or below the floor and forgetting the
// unowned embeddings among them, then forgets up to forgets of the least
// recent episodes known beyond the window and the reserve. Both are sized
// to the batch: a live batch of a few changes must not pay for a thousand
// forgets (a cold sync leaves up to every episode of the database known
// above the floor; at 1M episodes a batch forgetting 1024 took 100-150 ms
// and held every live change that long).
func (a *applier) collectStep(visits, forgets int) error {
	dead, next, err := a.tombstonesFrom(a.st.GCCursor, visits)
	if err != nil {
		return err
	}
	for _, k := range dead {
		if err := a.del(k); err != nil {
			return err
		}
	}
	a.stats.Collected += len(dead)
	a.st.GCCursor = next
	if err := a.forgetUnowned(); err != nil {
		return err
	}
	return a.forgetFar(forgets)
}

// tombstonesFrom visits up to budget catalog entries from cursor on (the
// batch's own view, so an entity re-created in this batch is live) and
// returns the collectable ones and where the next step starts (nil: the
// pass is complete and the next one starts over).
func (a *applier) tombstonesFrom(cursor []byte, budget int) (dead [][]byte, next []byte, err error) {
	lo := catalogRoot
	if bytes.Compare(cursor, lo) > 0 {
		lo = cursor
	}
	it, err := a.b.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(catalogRoot)})
	if err != nil {
		return nil, nil, wrapErr(err)
	}
	defer it.Close()
	ok := it.First()
	for n := 0; ok && n < budget; ok, n = it.Next(), n+1 {
		e, err := decodeEntry(it.Value())
		if err != nil {
			return nil, nil, err
		}
		if e.Deleted && e.Version <= a.st.Floor {
			dead = append(dead, bytes.Clone(it.Key()))
			continue
		}
		if ok, err := a.unownedEmbedding(it.Key(), e); ok || err != nil {
			if err != nil {
				return nil, nil, err
			}
			a.unowned = append(a.unowned, unowned{bytes.Clone(it.Key()), e})
		}
	}
	if ok {
		next = bytes.Clone(it.Key())
	}
	return dead, next, wrapErr(it.Error())
}
