package cachestore

import (
	"errors"

	"github.com/memsync/memsync/protocol"
)

// stashed is a body this batch obtained from its source (not from one of
// its own changes), with the catalog version it belongs to.
type stashed struct {
	version uint64
	data    []byte
}

// Data a batch drops (an updated or evicted episode, the embeddings of an
// owner leaving the window) can be re-admitted later in the same batch
// without a BodySource round trip: an update that keeps an owner cached
// keeps its embeddings (item 8 of issue 9). Nothing is read when data is
// dropped (an eviction would read every evicted body for nothing: most are
// never re-admitted); a body is looked for only when it is re-admitted,
// where it can be without a fetch:
//
//   - a change of the batch at that version (bodyFor's pending);
//   - a body the batch fetched from its source at that version (keep);
//   - the committed store, when its catalog holds the entity at that
//     version and its data is there: the cache held it before the batch.
//
// INVARIANT 4/5/6: a body is used only for exactly the version it belongs to
// (a version's body never changes); a version changed since (a newer change
// in the batch) takes its body from that change or from the BodySource.
func (a *applier) keep(e protocol.Entity, id string, version uint64, data []byte) {
	if a.stashed == nil {
		a.stashed = map[string]stashed{}
	}
	a.stashed[pendingKey(e, id)] = stashed{version: version, data: data}
}

// fromStash returns a body of exactly this version the batch already has
// or the cache held before it, if any.
func (a *applier) fromStash(e protocol.Entity, id string, version uint64) ([]byte, bool, error) {
	if s, ok := a.stashed[pendingKey(e, id)]; ok && s.version == version {
		a.stats.Reused++
		return s.data, true, nil
	}
	data, err := a.committedBody(kindOf(e), id, version)
	if data == nil || err != nil {
		return nil, false, err
	}
	a.stats.Reused++
	return data, true, nil
}

// committedBody reads the data the committed store (not the batch) holds
// for an entity whose committed catalog version is version; nil if none.
func (a *applier) committedBody(k byte, id string, version uint64) ([]byte, error) {
	b, err := getFrom(a.s.db, catalogKey(k, id))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cur, err := decodeEntry(b)
	if err != nil || !cur.live() || cur.Version != version {
		return nil, err
	}
	data, err := getFrom(a.s.db, dataKey(k, id))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return data, err
}
