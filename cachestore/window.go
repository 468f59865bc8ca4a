package cachestore

import (
	"bytes"

	"github.com/memsync/memsync/protocol"
)

// The episode window: every live episode has a key in s/ (most recent
// first). The cached episodes are always a prefix of that order: the first
// st.Count keys, the last of which is st.Boundary.
//
// INVARIANT 5: after every batch, Count == min(MaxEpisodes, live episodes)
// (all of them when MaxEpisodes is 0) and exactly those have data.

func (a *applier) applyEpisode(c Change, cur entry) error {
	if cur.live() {
		if err := a.removeEpisode(c.ID, cur); err != nil {
			return err
		}
	}
	if c.Op == protocol.OpDelete {
		return a.tombstone(kindEpisode, c.ID, c.Version)
	}
	a.st.Lists = c.Listed
	k := sortKey(c.startTime, c.ID)
	if a.beyondHorizon(k) {
		return a.forgetArriving(c)
	}
	if err := a.putCatalog(kindEpisode, c.ID, entry{Version: c.Version, StartTime: c.startTime}); err != nil {
		return err
	}
	if err := a.insertEpisode(k, c.ID, c.Data); err != nil {
		return err
	}
	if cur.live() {
		return nil
	}
	return a.recoverOwned(c)
}

func (a *applier) inWindow(k []byte) bool {
	return a.st.Boundary != nil && bytes.Compare(k, a.st.Boundary) <= 0
}

func (a *applier) removeEpisode(id string, cur entry) error {
	k := sortKey(cur.StartTime, id)
	if err := a.del(k); err != nil {
		return err
	}
	a.st.Known--
	if !a.inWindow(k) {
		return nil
	}
	if err := a.uncache(kindEpisode, id); err != nil {
		return err
	}
	if bytes.Equal(k, a.st.Boundary) {
		return a.moveBoundaryBack()
	}
	return nil
}

func (a *applier) insertEpisode(k []byte, id string, data []byte) error {
	if err := a.set(k, nil); err != nil {
		return err
	}
	a.st.Known++
	if a.st.Boundary == nil || bytes.Compare(k, a.st.Boundary) > 0 {
		return nil // beyond the window for now; refill admits it if there is room
	}
	if err := a.cache(kindEpisode, id, data); err != nil {
		return err
	}
	if max := a.s.opts.MaxEpisodes; max > 0 && a.st.Count > max {
		return a.evictBoundary()
	}
	return nil
}

// evictBoundary drops the least recent cached episode.
func (a *applier) evictBoundary() error {
	if err := a.uncache(kindEpisode, idFromSortKey(a.st.Boundary)); err != nil {
		return err
	}
	return a.moveBoundaryBack()
}

func (a *applier) moveBoundaryBack() error {
	prev, err := a.boundKey(sortPrefix, a.st.Boundary, true)
	a.st.Boundary = prev
	return err
}

// refill admits the next most recent episodes while the window has room.
func (a *applier) refill() error {
	for max := a.s.opts.MaxEpisodes; max == 0 || a.st.Count < max; {
		next, err := a.successor()
		if err != nil {
			return err
		}
		// INVARIANT 5.3 (horizon): a forgotten episode may rank before any
		// known one at or beyond the horizon, so the window is refilled
		// from there only after a recall (horizon.go).
		if a.st.Horizon != nil && (next == nil || bytes.Compare(next, a.st.Horizon) >= 0) {
			ok, err := a.recall()
			if err != nil {
				return err
			}
			if ok {
				continue
			}
		}
		if next == nil {
			return nil
		}
		if err := a.admitNext(next); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) successor() ([]byte, error) {
	lo := sortPrefix
	if a.st.Boundary != nil {
		lo = append(bytes.Clone(a.st.Boundary), 0)
	}
	return a.boundKey(lo, prefixEnd(sortPrefix), false)
}

// admitNext caches the episode at sort key k with the body of its current
// version and makes it the boundary. When the stream holds a newer version,
// that version is applied instead (it may move the episode) and the window
// stays as it was.
func (a *applier) admitNext(k []byte) error {
	id := idFromSortKey(k)
	cur, err := a.catalog(kindEpisode, id)
	if err != nil {
		return err
	}
	data, err := a.bodyFor(protocol.EntityEpisode, id, cur.Version)
	if data == nil || err != nil {
		return err
	}
	// the boundary first: the episode's embeddings, admitted with it, see
	// their owner cached (ownerCached reads the window, not the data)
	a.st.Boundary = k
	return a.cache(kindEpisode, id, data)
}

// cache stores data for a now-cached owner and its embeddings.
func (a *applier) cache(k byte, id string, data []byte) error {
	if err := a.putData(k, id, data); err != nil {
		return err
	}
	if k == kindEpisode {
		a.st.Count++
	}
	return a.admitOwned(k, id)
}

// uncache drops the data of an owner and of its embeddings.
func (a *applier) uncache(k byte, id string) error {
	if err := a.dropData(k, id); err != nil {
		return err
	}
	if k == kindEpisode {
		a.st.Count--
	}
	return a.dropOwned(k, id)
}
