package cachestore

import (
	"errors"

	"github.com/memsync/memsync/protocol"
)

// The Store's read methods are conveniences over View: each reads one
// consistent snapshot. Reads never touch the network (INVARIANT 7): they
// are served from Pebble alone, whatever the state of NATS or Turso.

// Episode returns a cached episode and its version.
func (s *Store) Episode(id string) (*protocol.Episode, uint64, error) {
	data, v, err := s.data(protocol.EntityEpisode, id)
	if err != nil {
		return nil, 0, err
	}
	ep, err := protocol.DecodeEpisode(data)
	return ep, v, markCorrupt(err)
}

// Pattern returns a cached pattern and its version.
func (s *Store) Pattern(id string) (*protocol.Pattern, uint64, error) {
	data, v, err := s.data(protocol.EntityPattern, id)
	if err != nil {
		return nil, 0, err
	}
	p, err := protocol.DecodePattern(data)
	return p, v, markCorrupt(err)
}

// Embedding returns a cached embedding and its version.
func (s *Store) Embedding(id string) (*protocol.Embedding, uint64, error) {
	data, v, err := s.data(protocol.EntityEmbedding, id)
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

func (s *Store) data(e protocol.Entity, id string) (data []byte, version uint64, err error) {
	err = s.View(func(v *View) error {
		data, version, err = v.Data(e, id)
		return err
	})
	return data, version, err
}

// RecentEpisodes returns up to n cached episodes, most recent first, all
// from one snapshot.
func (s *Store) RecentEpisodes(n int) ([]*protocol.Episode, error) {
	var out []*protocol.Episode
	err := s.View(func(v *View) error {
		return v.Recent(func(_ string, _ int64, data []byte) (bool, error) {
			ep, err := protocol.DecodeEpisode(data)
			if err != nil {
				return false, markCorrupt(err)
			}
			out = append(out, ep)
			return len(out) < n, nil
		})
	})
	return out, err
}

// Patterns calls fn for every cached pattern in id order.
func (s *Store) Patterns(fn func(*protocol.Pattern) error) error {
	return s.View(func(v *View) error {
		return v.ScanData(protocol.EntityPattern, func(_ string, data []byte) error {
			p, err := protocol.DecodePattern(data)
			if err != nil {
				return markCorrupt(err)
			}
			return fn(p)
		})
	})
}

// EmbeddingsOf returns the cached embeddings of an owner.
func (s *Store) EmbeddingsOf(owner protocol.Entity, ownerID string) ([]*protocol.Embedding, error) {
	var out []*protocol.Embedding
	err := s.View(func(v *View) error {
		return v.Owned(owner, ownerID, func(_ string, data []byte) error {
			e, err := protocol.DecodeEmbedding(data)
			if err != nil {
				return markCorrupt(err)
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}
