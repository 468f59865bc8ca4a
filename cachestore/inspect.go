package cachestore

import (
	"errors"

	"github.com/memsync/memsync/protocol"
)

// Counts are the numbers of cached entities per kind.
type Counts struct {
	Episodes   int `json:"episodes"`
	Patterns   int `json:"patterns"`
	Embeddings int `json:"embeddings"`
}

// Counts counts cached entities by scanning their data keys.
func (s *Store) Counts() (c Counts, err error) {
	err = s.View(func(v *View) error {
		c, err = v.Counts()
		return err
	})
	return c, err
}

// Item is one catalog record with its cached data (nil when not cached).
type Item struct {
	ID        string
	Version   uint64
	Deleted   bool
	StartTime int64
	Owner     protocol.Entity
	OwnerID   string
	Data      []byte
}

// ScanCatalog calls fn for every entity of a kind the cache knows, in id
// (byte) order, from one snapshot, without loading them all into memory.
func (s *Store) ScanCatalog(e protocol.Entity, fn func(Item) error) error {
	return s.View(func(v *View) error { return v.ScanCatalog(e, fn) })
}

// ScanCatalog calls fn for every entity of a kind in the view, in id order.
func (v *View) ScanCatalog(e protocol.Entity, fn func(Item) error) error {
	k := kindOf(e)
	p := catalogPrefix(k)
	return v.scan(p, func(key, val []byte) (bool, error) {
		ent, err := decodeEntry(val)
		if err != nil {
			return false, err
		}
		it := Item{ID: string(key[len(p):]), Version: ent.Version, Deleted: ent.Deleted, StartTime: ent.StartTime, OwnerID: ent.OwnerID}
		if ent.OwnerKind != 0 {
			it.Owner = entityOf(ent.OwnerKind)
		}
		it.Data, err = getFrom(v.r, dataKey(k, it.ID))
		if errors.Is(err, ErrNotFound) {
			it.Data, err = nil, nil
		}
		if err != nil {
			return false, err
		}
		return true, fn(it)
	})
}

// WindowIDs returns the ids of the cached episodes, most recent first.
func (s *Store) WindowIDs() ([]string, error) {
	var ids []string
	err := s.View(func(v *View) error {
		return v.Recent(func(id string, _ int64, _ []byte) (bool, error) {
			ids = append(ids, id)
			return true, nil
		})
	})
	return ids, err
}

// IsCached reports whether an entity's data is in the cache.
func (s *Store) IsCached(e protocol.Entity, id string) (ok bool, err error) {
	err = s.View(func(v *View) error {
		ok, err = v.Cached(e, id)
		return err
	})
	return ok, err
}

// DiskStats is what the cache's Pebble wrote since it opened: its WAL, and
// the sstables of its flushes and compactions.
type DiskStats struct {
	WALBytes, FlushedBytes, CompactedBytes uint64
	Flushes, Compactions                   int64
	L0Sublevels                            int
}

// DiskStats reports the writes since Open: the benchmarks' write
// amplification, (WAL + flushed + compacted) / what was applied. A closed
// store reports zeros.
func (s *Store) DiskStats() DiskStats {
	if !s.gate.enter() {
		return DiskStats{}
	}
	defer s.gate.leave()
	m := s.db.Metrics()
	t := m.Total()
	// Total's TableBytesFlushed counts the WAL's bytes in as well.
	return DiskStats{WALBytes: m.WAL.BytesWritten, FlushedBytes: t.TableBytesFlushed - t.TableBytesIn, CompactedBytes: t.TableBytesCompacted,
		Flushes: m.Flush.Count, Compactions: m.Compact.Count, L0Sublevels: int(m.Levels[0].Sublevels)}
}
