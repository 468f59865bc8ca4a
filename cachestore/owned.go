package cachestore

import (
	"fmt"

	"github.com/memsync/memsync/protocol"
)

func (a *applier) applyPattern(c Change, cur entry) error {
	if cur.live() && !a.s.opts.NoPatterns {
		if err := a.uncache(kindPattern, c.ID); err != nil {
			return err
		}
	}
	if c.Op == protocol.OpDelete {
		return a.tombstone(kindPattern, c.ID, c.Version)
	}
	if err := a.putCatalog(kindPattern, c.ID, entry{Version: c.Version}); err != nil {
		return err
	}
	if a.s.opts.NoPatterns {
		return nil
	}
	return a.cache(kindPattern, c.ID, c.Data)
}

func (a *applier) applyEmbedding(c Change, cur entry) error {
	if cur.live() {
		if err := a.unlinkEmbedding(c.ID, cur); err != nil {
			return err
		}
	}
	if c.Op == protocol.OpDelete {
		return a.tombstone(kindEmbedding, c.ID, c.Version)
	}
	e := entry{Version: c.Version, OwnerKind: c.ownerKind, OwnerID: c.ownerID}
	if err := a.putCatalog(kindEmbedding, c.ID, e); err != nil {
		return err
	}
	a.s.noteOwner(c.ownerKind, c.ownerID) // INVARIANT 5.4 (key filters): before the entry exists
	if err := a.set(ownerKey(c.ownerKind, c.ownerID, c.ID), nil); err != nil {
		return err
	}
	return a.cacheEmbeddingIfOwned(c.ID, e, c.Data)
}

func (a *applier) unlinkEmbedding(id string, cur entry) error {
	if err := a.del(ownerKey(cur.OwnerKind, cur.OwnerID, id)); err != nil {
		return err
	}
	return a.dropData(kindEmbedding, id)
}

// ownerCached reports whether an embedding's owner is in the cache, from
// its catalog entry rather than its data (a small key next to the others
// Apply reads, where the data is a large value): a live pattern is cached
// (unless patterns are off), a live episode is cached when it sorts within
// the window (INVARIANT 5: the cached episodes are the first Count known,
// ending at Boundary; admitNext moves the boundary before it caches).
func (a *applier) ownerCached(kind byte, id string) (bool, error) {
	if kind == kindPattern && a.s.opts.NoPatterns || kind != kindPattern && kind != kindEpisode {
		return false, nil
	}
	cur, err := a.catalog(kind, id)
	if err != nil || !cur.live() {
		return false, err
	}
	cached := kind == kindPattern || a.inWindow(sortKey(cur.StartTime, id))
	if invariantsOn {
		return cached, a.checkOwnerCached(kind, id, cached)
	}
	return cached, nil
}

// INVARIANT 5 (no orphans): embedding data is stored only while its owner is cached.
func (a *applier) cacheEmbeddingIfOwned(id string, e entry, data []byte) error {
	if a.s.opts.NoEmbeddings {
		return nil
	}
	ok, err := a.ownerCached(e.OwnerKind, e.OwnerID)
	if !ok || err != nil {
		return err
	}
	return a.putData(kindEmbedding, id, data)
}

// admitOwned brings in the embeddings of a newly cached owner.
func (a *applier) admitOwned(owner byte, ownerID string) error {
	if a.s.opts.NoEmbeddings || owner == kindEmbedding {
		return nil
	}
	ids, err := a.ownedIDs(owner, ownerID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := a.admitEmbedding(id); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) admitEmbedding(id string) error {
	if ok, err := a.has(dataKey(kindEmbedding, id)); ok || err != nil {
		return err
	}
	cur, err := a.catalog(kindEmbedding, id)
	if err != nil || !cur.live() {
		return err
	}
	data, err := a.bodyFor(protocol.EntityEmbedding, id, cur.Version)
	if data == nil || err != nil {
		return err
	}
	return a.cacheEmbeddingIfOwned(id, cur, data)
}

func (a *applier) dropOwned(owner byte, ownerID string) error {
	if owner == kindEmbedding {
		return nil
	}
	ids, err := a.ownedIDs(owner, ownerID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := a.dropData(kindEmbedding, id); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) ownedIDs(owner byte, ownerID string) ([]string, error) {
	p := ownerPrefix(owner, ownerID)
	if f := a.s.owners; f != nil && !f.mayHave(p) {
		return nil, nil // never given an owner-index entry: nothing to seek
	}
	keys, err := a.keysWithPrefix(p)
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = string(k[len(p):])
	}
	return ids, err
}

// bodyFor returns the data of exactly the given version of an entity, from
// this batch (a change of it, or a body it already has or dropped,
// stash.go) or from the BodySource. If the source has a newer version, it is applied as a regular
// change and bodyFor returns nil data.
func (a *applier) bodyFor(e protocol.Entity, id string, version uint64) ([]byte, error) {
	if c, ok := a.pending[pendingKey(e, id)]; ok && c.Version == version {
		return c.Data, nil
	}
	if data, ok, err := a.fromStash(e, id, version); ok || err != nil {
		return data, err
	}
	if a.latest == nil {
		return nil, fmt.Errorf("%w: %s %q v%d and no source", ErrBodyUnavailable, e, id, version)
	}
	c, found, err := a.latest(e, id)
	if err != nil {
		return nil, fmt.Errorf("backfill %s %q: %w", e, id, err)
	}
	if !found {
		return nil, fmt.Errorf("%w: %s %q v%d is not in the stream", ErrBodyUnavailable, e, id, version)
	}
	if c.Version < version {
		return a.olderBody(c, e, id, version)
	}
	a.stats.Backfilled++
	if c.Version > version {
		return nil, a.applyChange(c)
	}
	if c.Op != protocol.OpUpsert {
		return nil, fmt.Errorf("%w: %s %q v%d is a delete in the stream", ErrBodyUnavailable, e, id, version)
	}
	a.keep(e, id, version, c.Data)
	return c.Data, nil
}

// olderBody handles a stream body older than the catalog's version. That is
// expected only for entries written by a Turso snapshot rebuild, whose
// version is the stream checkpoint the snapshot started from: every change at
// or below it is already in the stream, so the stream's latest body is the
// state the snapshot saw (a later change arrives with a newer version).
func (a *applier) olderBody(c Change, e protocol.Entity, id string, version uint64) ([]byte, error) {
	cur, err := a.catalog(kindOf(e), id)
	if err != nil {
		return nil, err
	}
	if !cur.Snapshot || c.Op != protocol.OpUpsert {
		return nil, fmt.Errorf("%w: %s %q v%d but the stream has only v%d", ErrBodyUnavailable, e, id, version, c.Version)
	}
	a.stats.Backfilled++
	a.keep(e, id, version, c.Data)
	return c.Data, nil
}
