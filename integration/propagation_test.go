package integration

import (
	"errors"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

func fast() changefeed.Options { return changefeed.Options{PollInterval: 10 * time.Millisecond} }

func fastWorker() worker.Options { return worker.Options{FetchWait: 20 * time.Millisecond} }

// Inserts, INSERT OR REPLACE updates and deletes of every kind propagate.
func TestChangesPropagate(t *testing.T) {
	for _, dim := range []int{8, 384} { // 384 fills the F32_BLOB column; 8 lives only in embedding_data
		t.Run(map[int]string{8: "json-vector", 384: "f32-blob"}[dim], func(t *testing.T) {
			e, w := newEnvWriter(t, 7, dim)
			c := e.openCache("", cachestore.Options{MaxEpisodes: 0}, fastWorker())
			defer e.runBoth(e.changefeed(fast()), c)()

			p := w.pattern()
			ep := w.episode()
			emb := w.embed("pattern", p.ID)
			e.waitSynced(c)
			if got, ok := cachedEpisode(t, c, ep.ID); !ok || got != ep.Description {
				t.Fatalf("episode %q: %q %v", ep.ID, got, ok)
			}
			ep.Description = "updated by INSERT OR REPLACE"
			w.put(ep)
			e.waitSynced(c)
			if got, _ := cachedEpisode(t, c, ep.ID); got != ep.Description {
				t.Fatalf("update not applied: %q", got)
			}
			checkEmbedding(t, c, emb.ID, dim)
			w.del("embeddings", emb.ID)
			w.del("patterns", p.ID)
			w.del("episodes", ep.ID)
			e.waitSynced(c)
			for _, k := range []struct {
				e  protocol.Entity
				id string
			}{{protocol.EntityEpisode, ep.ID}, {protocol.EntityPattern, p.ID}, {protocol.EntityEmbedding, emb.ID}} {
				if ok, _ := c.store.IsCached(k.e, k.id); ok {
					t.Fatalf("%s %s still cached after delete", k.e, k.id)
				}
			}
		})
	}
}

func checkEmbedding(t *testing.T, c *cache, id string, dim int) {
	t.Helper()
	m, _, err := c.store.Embedding(id)
	if err != nil {
		t.Fatalf("embedding %s: %v", id, err)
	}
	v, err := protocol.DecodeVector(m.Vector)
	if err != nil || len(v) != dim || m.Dimension != dim {
		t.Fatalf("embedding %s: dim %d, %d values, %v", id, m.Dimension, len(v), err)
	}
}

// The window keeps the N most recent episodes; deletes and updates that
// move an episode out of it backfill the next most recent one; an update
// that makes an old episode recent brings it in.
func TestWindowEvictionAndBackfill(t *testing.T) {
	e, w := newEnvWriter(t, 11, 4)
	var eps []string
	for range 8 {
		eps = append(eps, w.episode().ID)
	}
	cf := e.changefeed(fast())
	c := e.openCache("", cachestore.Options{MaxEpisodes: 3}, fastWorker())
	defer e.runBoth(cf, c)()
	e.waitSynced(c)
	wantWindow(t, c, eps[7], eps[6], eps[5])

	w.del("episodes", eps[6]) // in-window delete: eps[4] is backfilled
	e.waitSynced(c)
	wantWindow(t, c, eps[7], eps[5], eps[4])
	if emb, _ := c.store.EmbeddingsOf(protocol.EntityEpisode, eps[4]); len(emb) != 1 {
		t.Fatalf("backfilled episode has %d embeddings, want 1", len(emb))
	}
	if _, ok := cachedEpisode(t, c, eps[6]); ok {
		t.Fatal("deleted episode still cached")
	}

	old := w.g.Episode(0, nil) // an update that makes eps[0] the most recent
	old.ID, old.StartTime, old.Description = eps[0], w.g.Base+10_000, "revived"
	w.put(old)
	e.waitSynced(c)
	wantWindow(t, c, eps[0], eps[7], eps[5])

	moved := w.g.Episode(0, nil) // eps[7] leaves the window by becoming old
	moved.ID, moved.StartTime = eps[7], 1
	w.put(moved)
	e.waitSynced(c)
	wantWindow(t, c, eps[0], eps[5], eps[4])
	if c.w.Stats().Backfilled == 0 {
		t.Fatal("no backfill was fetched from the stream")
	}
}

func wantWindow(t *testing.T, c *cache, ids ...string) {
	t.Helper()
	got, err := c.store.WindowIDs()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("window %v, want %v", got, ids)
	}
	for i := range ids {
		if got[i] != ids[i] {
			t.Fatalf("window %v, want %v", got, ids)
		}
	}
	recent, err := c.store.RecentEpisodes(10)
	if err != nil || len(recent) != len(ids) || recent[0].EpisodeID != ids[0] {
		t.Fatalf("RecentEpisodes: %d %v", len(recent), err)
	}
}

// --no-patterns and --no-embeddings leave those kinds (and pattern
// embeddings) out, and validation agrees.
func TestToggles(t *testing.T) {
	cases := []struct {
		name       string
		opts       cachestore.Options
		pats, embs int
	}{
		{"no-patterns", cachestore.Options{MaxEpisodes: 10, NoPatterns: true}, 0, 5},
		{"no-embeddings", cachestore.Options{MaxEpisodes: 10, NoEmbeddings: true}, 2, 0},
		{"both", cachestore.Options{MaxEpisodes: 10}, 2, 7},
	}
	e, w := newEnvWriter(t, 3, 4)
	for range 2 {
		w.embed("pattern", w.pattern().ID)
	}
	w.episodes(5)
	e.publishNew(fast())
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.mustConsistent(e.caughtUp("", tc.opts, worker.Options{Name: "w" + string(rune('a'+i))}))
			if r.Patterns.Cache != tc.pats || r.Embeddings.Cache != tc.embs || r.Episodes.Cache != 5 {
				t.Fatalf("cached %d patterns, %d embeddings, %d episodes", r.Patterns.Cache, r.Embeddings.Cache, r.Episodes.Cache)
			}
		})
	}
}

// Opening a cache with a different window than it was built with is refused.
func TestCacheConfigChangeRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := cachestore.Open(dir, &cachestore.Options{MaxEpisodes: 5})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := cachestore.Open(dir, &cachestore.Options{MaxEpisodes: 6}); !errors.Is(err, cachestore.ErrConfigChanged) {
		t.Fatalf("got %v, want ErrConfigChanged", err)
	}
}
