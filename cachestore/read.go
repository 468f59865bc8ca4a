package cachestore

import (
	"bytes"
	"errors"

	"github.com/cockroachdb/pebble/v2"
	"github.com/memsync/memsync/protocol"
)

// Reads never touch the network (INVARIANT 7): they are served from Pebble
// alone, whatever the state of NATS or Turso.

// Episode returns a cached episode and its version.
func (s *Store) Episode(id string) (*protocol.Episode, uint64, error) {
	data, v, err := s.cached(kindEpisode, id)
	if err != nil {
		return nil, 0, err
	}
	ep, err := protocol.DecodeEpisode(data)
	return ep, v, markCorrupt(err)
}

// Pattern returns a cached pattern and its version.
func (s *Store) Pattern(id string) (*protocol.Pattern, uint64, error) {
	data, v, err := s.cached(kindPattern, id)
	if err != nil {
		return nil, 0, err
	}
	p, err := protocol.DecodePattern(data)
	return p, v, markCorrupt(err)
}

// Embedding returns a cached embedding and its version.
func (s *Store) Embedding(id string) (*protocol.Embedding, uint64, error) {
	data, v, err := s.cached(kindEmbedding, id)
	if err != nil {
		return nil, 0, err
	}
	e, err := protocol.DecodeEmbedding(data)
	return e, v, markCorrupt(err)
}

func markCorrupt(err error) error {
	if err == nil {
		return nil
	}
	return errors.Join(ErrCorrupt, err)
}

// cached returns the data and catalog version of a cached entity.
func (s *Store) cached(k byte, id string) ([]byte, uint64, error) {
	data, err := s.get(dataKey(k, id))
	if err != nil {
		return nil, 0, err
	}
	b, err := s.get(catalogKey(k, id))
	if err != nil {
		return nil, 0, errors.Join(ErrCorrupt, err)
	}
	e, err := decodeEntry(b)
	return data, e.Version, err
}

// RecentEpisodes returns up to n cached episodes, most recent first.
func (s *Store) RecentEpisodes(n int) ([]*protocol.Episode, error) {
	var out []*protocol.Episode
	err := s.scan(sortPrefix, func(k, _ []byte) (bool, error) {
		ep, _, err := s.Episode(idFromSortKey(k))
		if errors.Is(err, ErrNotFound) {
			return false, nil // past the window
		}
		out = append(out, ep)
		return len(out) < n, err
	})
	return out, err
}

// Patterns calls fn for every cached pattern in id order.
func (s *Store) Patterns(fn func(*protocol.Pattern) error) error {
	return s.scan(dataPrefix(kindPattern), func(_, v []byte) (bool, error) {
		p, err := protocol.DecodePattern(v)
		if err != nil {
			return false, markCorrupt(err)
		}
		return true, fn(p)
	})
}

// EmbeddingsOf returns the cached embeddings of an owner.
func (s *Store) EmbeddingsOf(owner protocol.Entity, ownerID string) ([]*protocol.Embedding, error) {
	p := ownerPrefix(kindOf(owner), ownerID)
	var out []*protocol.Embedding
	err := s.scan(p, func(k, _ []byte) (bool, error) {
		e, _, err := s.Embedding(string(k[len(p):]))
		if errors.Is(err, ErrNotFound) {
			return true, nil
		}
		if err == nil {
			out = append(out, e)
		}
		return true, err
	})
	return out, err
}

// scan iterates keys under prefix p until fn returns false or an error.
func (s *Store) scan(p []byte, fn func(k, v []byte) (bool, error)) error {
	if s.gone.Load() {
		return ErrClosed
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return wrapErr(err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		more, err := fn(bytes.Clone(it.Key()), it.Value())
		if err != nil || !more {
			return err
		}
	}
	return wrapErr(it.Error())
}
