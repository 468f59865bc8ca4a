package query

import (
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/retrieval"
	"github.com/memsync/memsync/protocol"
)

// buildChunk is how many entities are indexed per index write lock while
// building from Pebble.
const buildChunk = 1024

// Follow returns a cachestore.Options.OnCommit function that applies every
// committed batch to idx at once, in the committing goroutine (tests and
// benchmarks; a served cache uses OpenIndexed, which indexes off the apply
// path).
func Follow(idx *retrieval.Index) func([]cachestore.DataChange) {
	return func(changes []cachestore.DataChange) {
		muts := make([]retrieval.Mutation, len(changes))
		for i, c := range changes {
			muts[i] = retrieval.Mutation{Kind: c.Entity, ID: c.ID, Data: c.Data}
		}
		_ = idx.Apply(muts) // never fails the batch: undecodable rows are counted in Stats
	}
}

// BuildIndex fills idx from everything store caches (one snapshot) and
// reports how long it took.
func BuildIndex(idx *retrieval.Index, store *cachestore.Store) (time.Duration, error) {
	start := time.Now()
	err := store.View(func(v *cachestore.View) error {
		for _, k := range []protocol.Entity{protocol.EntityPattern, protocol.EntityEpisode, protocol.EntityEmbedding} {
			if err := indexKind(idx, v, k); err != nil {
				return err
			}
		}
		return nil
	})
	return time.Since(start), err
}

func indexKind(idx *retrieval.Index, v *cachestore.View, k protocol.Entity) error {
	muts := make([]retrieval.Mutation, 0, buildChunk)
	err := v.ScanData(k, func(id string, data []byte) error {
		muts = append(muts, retrieval.Mutation{Kind: k, ID: id, Data: data})
		if len(muts) == buildChunk {
			err := idx.Apply(muts)
			muts = muts[:0]
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return idx.Apply(muts)
}

// OpenIndexed opens a cache with a retrieval index that follows it: the
// index is built from Pebble once, then kept up to date with every Apply
// (the indexing runs off the apply path; reads wait for what is queued).
// Close the Cache, not only its Store.
func OpenIndexed(dir string, opts cachestore.Options) (*Cache, error) {
	idx := retrieval.New(nil)
	f := newFollower(idx)
	opts.OnCommit = f.committed
	store, err := cachestore.Open(dir, &opts)
	if err != nil {
		f.close()
		return nil, err
	}
	took, err := BuildIndex(idx, store)
	if err != nil {
		store.Close()
		f.close()
		return nil, err
	}
	return &Cache{Store: store, Index: idx, BuildTime: took, follow: f}, nil
}

// Close closes the store, stops the index's goroutine and ends a
// Reopener's turn.
func (c *Cache) Close() error {
	err := c.Store.Close()
	if c.follow != nil {
		c.follow.close()
	}
	if c.release != nil {
		c.release()
	}
	return err
}

// index returns the retrieval index with every committed batch applied.
func (c *Cache) index() *retrieval.Index {
	if c.follow != nil {
		c.follow.drain()
	}
	return c.Index
}

func indexStats(c *Cache) IndexStats {
	s := c.index().Stats()
	out := IndexStats{Episodes: s.Episodes, Patterns: s.Patterns, Embeddings: s.Embeddings, Terms: s.Terms,
		ApproxBytes: s.ApproxBytes, Skipped: s.Skipped, BuildMs: float64(c.BuildTime.Microseconds()) / 1000, Dimensions: []Dim{}}
	for _, d := range c.Index.Dimensions() {
		out.Dimensions = append(out.Dimensions, Dim{Model: d.Model, Dimension: d.Dimension, Count: d.Count})
	}
	return out
}
