package cachestore

import (
	"bytes"
	"container/heap"

	"github.com/memsync/memsync/protocol"
)

// recall finds forgotten episodes again when the known ones cannot fill
// the window (horizon.go): the most recent episodes the stream has and the
// catalog does not know are applied as known, as many as the reserve holds.
// It reports whether it recalled any.
func (a *applier) recall() (bool, error) {
	if a.st.Horizon == nil {
		return false, nil
	}
	if a.scan == nil {
		return false, errNoScanner("recall the episodes beyond the horizon")
	}
	// a reserve's worth at once: the refills that follow need no scan
	// until they reach the new horizon (the collector trims what is known
	// beyond window+reserve again, from the least recent end)
	want := max(a.s.opts.reserve(), a.s.opts.MaxEpisodes-a.st.Count, 1)
	top := &recallHeap{}
	var next []byte // the most recent candidate left out: the new horizon
	err := a.scan(protocol.EntityEpisode, func(c Change) error {
		ok, err := a.recallable(&c)
		if !ok || err != nil {
			return err
		}
		if left := top.offer(c, want); left != nil && (next == nil || bytes.Compare(left, next) < 0) {
			next = left
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	a.st.Horizon = next
	a.scanFor = map[string]bool{}
	defer func() { a.scanFor = nil }()
	for _, c := range top.items {
		a.stats.Recalled++
		if err := a.applyKnown(c); err != nil {
			return false, err
		}
	}
	if len(a.scanFor) > 0 {
		err = a.recoverByScan(a.scanFor)
	}
	return top.Len() > 0, err
}

// recallable reports a scanned episode upsert the catalog does not hold.
func (a *applier) recallable(c *Change) (bool, error) {
	if c.Op != protocol.OpUpsert {
		return false, nil
	}
	if err := c.Prepare(); err != nil {
		return false, err
	}
	cur, err := a.catalog(kindEpisode, c.ID)
	// a tombstone at the message's own version is an episode forgotten on
	// arrival (forgetArriving); a real delete has a newer message
	return !cur.live() && c.Version >= cur.Version, err
}

// applyKnown applies the newest change of a forgotten entity as the
// catalog's state of it: it is the stream's newest message, not a
// redelivery, so the floor rule does not hold it back.
func (a *applier) applyKnown(c Change) error {
	if err := c.Prepare(); err != nil {
		return err
	}
	cur, err := a.catalog(kindOf(c.Entity), c.ID)
	if err != nil || cur.Version > c.Version || cur.live() && cur.Version == c.Version {
		return err
	}
	return a.dispatch(c, cur)
}

// recoverOwned brings back the embeddings of an episode that is known
// again (an upsert of an entity the catalog did not hold live, once
// something was forgotten): those its message lists (as of its version:
// an embedding changed later has a later message of its own), else those
// a scan of the embeddings names with this owner.
func (a *applier) recoverOwned(c Change) error {
	if !a.st.Pruned {
		return nil
	}
	if a.scanFor != nil {
		// a recall scans the embeddings once for all the episodes it
		// brings back: the list of an episode's newest message misses
		// embeddings created after it, which may have been forgotten too
		a.scanFor[c.ID] = true
		return nil
	}
	if !c.Listed {
		return a.recoverByScan(map[string]bool{c.ID: true})
	}
	for _, id := range c.Embeddings {
		if err := a.recoverEmbedding(id, c.ID); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) recoverEmbedding(id, owner string) error {
	if a.inBatch[pendingKey(protocol.EntityEmbedding, id)] > a.st.Floor {
		return nil // the batch applies a change of it itself (a new episode's new embedding)
	}
	cur, err := a.catalog(kindEmbedding, id)
	if err != nil || cur.Version != 0 || a.latest == nil {
		return err
	}
	e, found, err := a.latest(protocol.EntityEmbedding, id)
	if !found || err != nil {
		return err
	}
	if err := e.Prepare(); err != nil {
		return err
	}
	if e.Op != protocol.OpUpsert || e.ownerKind != kindEpisode || e.ownerID != owner {
		return nil // deleted or moved since the list was read: its own message says so
	}
	a.stats.Backfilled++
	return a.applyKnown(e)
}

func (a *applier) recoverByScan(owners map[string]bool) error {
	if a.scan == nil {
		return errNoScanner("find the embeddings of a forgotten episode")
	}
	return a.scan(protocol.EntityEmbedding, func(e Change) error {
		if e.Op != protocol.OpUpsert {
			return nil
		}
		if err := e.Prepare(); err != nil {
			return err
		}
		if e.ownerKind != kindEpisode || !owners[e.ownerID] {
			return nil
		}
		a.stats.Backfilled++
		return a.applyKnown(e)
	})
}

// recallHeap keeps the n most recent episodes offered (a max-heap on the
// sort key: the least recent kept is on top).
type recallHeap struct {
	items []Change
	keys  [][]byte
}

// offer keeps c if it is among the n most recent so far and returns the
// sort key of the episode it left out (c or the one it replaced), or nil.
func (h *recallHeap) offer(c Change, n int) []byte {
	k := sortKey(c.startTime, c.ID)
	if h.Len() < n {
		heap.Push(h, keyed{c, k})
		return nil
	}
	if n == 0 || bytes.Compare(k, h.keys[0]) >= 0 {
		return k
	}
	left := h.keys[0]
	h.items[0], h.keys[0] = c, k
	heap.Fix(h, 0)
	return left
}

type keyed struct {
	c Change
	k []byte
}

func (h *recallHeap) Len() int           { return len(h.items) }
func (h *recallHeap) Less(i, j int) bool { return bytes.Compare(h.keys[i], h.keys[j]) > 0 }
func (h *recallHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.keys[i], h.keys[j] = h.keys[j], h.keys[i]
}
func (h *recallHeap) Push(x any) {
	kc := x.(keyed)
	h.items, h.keys = append(h.items, kc.c), append(h.keys, kc.k)
}
func (h *recallHeap) Pop() any {
	n := len(h.items) - 1
	kc := keyed{h.items[n], h.keys[n]}
	h.items, h.keys = h.items[:n], h.keys[:n]
	return kc
}
