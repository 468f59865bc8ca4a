package cachestore

import (
	"errors"

	"github.com/memsync/memsync/protocol"
)

// stashed is the data an entity had when this batch dropped it, with the
// catalog version that data belongs to.
type stashed struct {
	version uint64
	data    []byte
}

// stash keeps, for the rest of one Apply, the data of every entity the
// batch drops from the cache (an updated or evicted episode, the
// embeddings of an owner leaving the window), so that re-admitting it
// later in the same batch needs no BodySource round trip: an update that
// keeps an owner cached keeps its embeddings (item 8 of issue 9).
//
// INVARIANT 4/6: a stashed body is used only for exactly the version it was
// stored with; a version changed since (a newer change in the batch) takes
// its body from that change or from the BodySource, as before.
func (a *applier) stash(k byte, id string) error {
	data, err := getFrom(a.b, dataKey(k, id))
	if errors.Is(err, ErrNotFound) {
		return nil // not cached: nothing to keep
	}
	if err != nil {
		return err
	}
	cur, err := a.catalog(k, id)
	if err != nil || !cur.live() {
		return err
	}
	if a.stashed == nil {
		a.stashed = map[string]stashed{}
	}
	a.stashed[pendingKey(entityOf(k), id)] = stashed{version: cur.Version, data: data}
	return nil
}

// fromStash returns the stashed data of exactly this version, if any.
func (a *applier) fromStash(e protocol.Entity, id string, version uint64) ([]byte, bool) {
	s, ok := a.stashed[pendingKey(e, id)]
	if !ok || s.version != version {
		return nil, false
	}
	a.stats.Reused++
	return s.data, true
}
