package cachestore

import (
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/memsync/memsync/protocol"
)

// Loaded is one entity of a Turso snapshot. Data is set only for entities
// the cache must hold (the window's episodes, patterns, their embeddings);
// the others are recorded in the catalog so the window and owner index can
// work later.
type Loaded struct {
	Entity    protocol.Entity
	ID        string
	StartTime int64           // episodes
	Owner     protocol.Entity // embeddings
	OwnerID   string          // embeddings
	Data      []byte
	InWindow  bool // episodes: one of the MaxEpisodes most recent
}

// Loader writes a Turso snapshot into an empty store in synced batches;
// Finish records the window and the stream position the snapshot starts
// from. Used only on a staging directory that is swapped in afterwards.
type Loader struct {
	s        *Store
	b        *pebble.Batch
	version  uint64
	count    int
	known    int // episodes added (sort keys)
	boundary []byte
}

// NewLoader starts a snapshot load whose entities all carry version (the
// stream checkpoint cursor the snapshot started from).
func (s *Store) NewLoader(version uint64) *Loader {
	return &Loader{s: s, b: s.db.NewBatch(), version: version}
}

// Add writes one entity.
func (l *Loader) Add(it Loaded) error {
	k := kindOf(it.Entity)
	e := entry{Version: l.version, Snapshot: true, StartTime: it.StartTime}
	if it.Entity == protocol.EntityEmbedding {
		e.OwnerKind, e.OwnerID = kindOf(it.Owner), it.OwnerID
		l.s.noteOwner(e.OwnerKind, it.OwnerID) // INVARIANT 5.4 (key filters)
		if err := l.b.Set(ownerKey(e.OwnerKind, it.OwnerID, it.ID), nil, nil); err != nil {
			return wrapErr(err)
		}
	}
	ck := catalogKey(k, it.ID)
	l.s.noteCatalog(ck) // INVARIANT 5.4 (key filters)
	if err := l.b.Set(ck, e.encode(), nil); err != nil {
		return wrapErr(err)
	}
	if err := l.episodeKeys(it); err != nil {
		return err
	}
	if it.Data != nil {
		return wrapErr(l.b.Set(dataKey(k, it.ID), it.Data, nil))
	}
	return nil
}

func (l *Loader) episodeKeys(it Loaded) error {
	if it.Entity != protocol.EntityEpisode {
		return nil
	}
	sk := sortKey(it.StartTime, it.ID)
	l.known++
	if it.InWindow {
		l.count++
		if l.boundary == nil || string(sk) > string(l.boundary) {
			l.boundary = sk
		}
	}
	return wrapErr(l.b.Set(sk, nil, nil))
}

// Flush commits what was added so far (Sync) and reports its size.
func (l *Loader) Flush() error {
	if l.b.Empty() {
		return nil
	}
	if err := l.b.Commit(pebble.Sync); err != nil {
		return wrapErr(err)
	}
	l.b = l.s.db.NewBatch()
	return nil
}

// Origin is where a snapshot load resumes in the stream: the checkpoint it
// was stamped from.
type Origin struct {
	Position     uint64 // the checkpoint's stream sequence
	PositionTime int64  // when the server stored it (unix nanoseconds)
	Stream       StreamIdentity
	Lineage      string // the checkpoint's lineage
}

// Finish records the window and the origin (position, stream, lineage) and
// commits. INVARIANT 4.1 (floor): the floor is the snapshot's version: the
// snapshot reflects every change at or below it, so an entity it does not
// hold was deleted (or never existed) as of that version, and an old change
// of it must not bring it back.
func (l *Loader) Finish(o Origin) error {
	l.s.mu.Lock()
	st := State{Position: o.Position, PositionTime: o.PositionTime, AppliedVersion: l.version, Stream: o.Stream,
		Lineage: o.Lineage, LineageSince: o.Position, LastSyncMs: time.Now().UnixMilli(), Count: l.count, Boundary: l.boundary,
		Floor: l.version, Known: l.known}
	l.s.mu.Unlock()
	if err := l.b.Set(metaKey("state"), st.encode(), nil); err != nil {
		return wrapErr(err)
	}
	if err := l.Flush(); err != nil {
		return err
	}
	l.s.mu.Lock()
	l.s.state = st
	l.s.mu.Unlock()
	return l.b.Close()
}
