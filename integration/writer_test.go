package integration

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/turso"
)

// writer plays the agents: it writes rows the way rust-self-learning-memory
// does (INSERT OR REPLACE) and deletes them.
type writer struct {
	t   *testing.T
	db  *turso.DB
	g   *seed.Generator
	n   int
	pat []string
}

func newWriter(t *testing.T, db *turso.DB, seedV uint64, dim int) *writer {
	return &writer{t: t, db: db, g: seed.NewGenerator(seedV, dim)}
}

// episode inserts a new episode that is more recent than every earlier one
// written by this writer, with one embedding.
func (w *writer) episode() seed.Episode {
	w.t.Helper()
	w.n++
	e := w.g.Episode(0, w.pat)
	e.StartTime = w.g.Base + int64(w.n)*10
	w.put(e)
	w.embed("episode", e.ID)
	return e
}

// episodes writes n episodes as episode does and returns them, oldest first.
func (w *writer) episodes(n int) []seed.Episode {
	w.t.Helper()
	eps := make([]seed.Episode, n)
	for i := range eps {
		eps[i] = w.episode()
	}
	return eps
}

// recentFirst returns the ids of episodes written oldest first (by a
// writer's episode), most recent first.
func recentFirst(eps []seed.Episode) []string {
	ids := make([]string, len(eps))
	for i, ep := range eps {
		ids[len(eps)-1-i] = ep.ID
	}
	return ids
}

func (w *writer) put(e seed.Episode) {
	w.t.Helper()
	if err := seed.PutEpisode(context.Background(), w.db.SQL(), e); err != nil {
		w.t.Fatal(err)
	}
}

func (w *writer) embed(kind, id string) seed.Embedding {
	w.t.Helper()
	m := w.g.Embedding(kind, id)
	if err := seed.PutEmbedding(context.Background(), w.db.SQL(), m); err != nil {
		w.t.Fatal(err)
	}
	return m
}

func (w *writer) pattern() seed.Pattern {
	w.t.Helper()
	p := w.g.Pattern()
	if err := seed.PutPattern(context.Background(), w.db.SQL(), p); err != nil {
		w.t.Fatal(err)
	}
	w.pat = append(w.pat, p.ID)
	return p
}

func (w *writer) del(table, id string) {
	w.t.Helper()
	if err := seed.Delete(context.Background(), w.db.SQL(), table, id); err != nil {
		w.t.Fatal(err)
	}
}

// waitSynced waits until the cache validates consistent at the Turso head.
func (e *env) waitSynced(c *cache) {
	e.t.Helper()
	var last any
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		r := e.validate(c)
		if r.Consistent && r.AppliedVersion == r.TursoHeadVersion {
			return
		}
		last = r
		time.Sleep(25 * time.Millisecond)
	}
	e.t.Fatalf("cache never became consistent: %+v", last)
}

func cachedEpisode(t *testing.T, c *cache, id string) (string, bool) {
	t.Helper()
	ep, _, err := c.store.Episode(id)
	if err == cachestore.ErrNotFound {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	return ep.TaskDescription, true
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
