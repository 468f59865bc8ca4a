package cachestore

import (
	"github.com/memsync/memsync/protocol"
)

// Counts are the numbers of cached entities per kind.
type Counts struct {
	Episodes   int `json:"episodes"`
	Patterns   int `json:"patterns"`
	Embeddings int `json:"embeddings"`
}

// Counts counts cached entities by scanning their data keys.
func (s *Store) Counts() (Counts, error) {
	var c Counts
	for _, x := range []struct {
		k byte
		n *int
	}{{kindEpisode, &c.Episodes}, {kindPattern, &c.Patterns}, {kindEmbedding, &c.Embeddings}} {
		err := s.scan(dataPrefix(x.k), func(_, _ []byte) (bool, error) { *x.n++; return true, nil })
		if err != nil {
			return c, err
		}
	}
	return c, nil
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
// (byte) order, without loading them all into memory.
func (s *Store) ScanCatalog(e protocol.Entity, fn func(Item) error) error {
	k := kindOf(e)
	p := catalogPrefix(k)
	return s.scan(p, func(key, v []byte) (bool, error) {
		ent, err := decodeEntry(v)
		if err != nil {
			return false, err
		}
		it := Item{ID: string(key[len(p):]), Version: ent.Version, Deleted: ent.Deleted, StartTime: ent.StartTime, OwnerID: ent.OwnerID}
		if ent.OwnerKind != 0 {
			it.Owner = entityOf(ent.OwnerKind)
		}
		it.Data, err = s.optional(dataKey(k, it.ID))
		if err != nil {
			return false, err
		}
		return true, fn(it)
	})
}

func (s *Store) optional(key []byte) ([]byte, error) {
	b, err := s.get(key)
	if err == ErrNotFound {
		return nil, nil
	}
	return b, err
}

// WindowIDs returns the ids of the cached episodes, most recent first.
func (s *Store) WindowIDs() ([]string, error) {
	var ids []string
	err := s.scan(sortPrefix, func(k, _ []byte) (bool, error) {
		id := idFromSortKey(k)
		ok, err := s.optional(dataKey(kindEpisode, id))
		if ok == nil || err != nil {
			return false, err
		}
		ids = append(ids, id)
		return true, nil
	})
	return ids, err
}

// IsCached reports whether an entity's data is in the cache.
func (s *Store) IsCached(e protocol.Entity, id string) (bool, error) {
	b, err := s.optional(dataKey(kindOf(e), id))
	return b != nil, err
}
