package query

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// pebble leaves its disk-health ticker running briefly after Close.
// Benchmarks keep their corpora open until the process exits.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		os.Exit(m.Run())
	}
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/cockroachdb/pebble/v2/vfs.(*diskHealthCheckingFS).startTickerLocked.func1"))
}

var base = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// episodeChange builds an episode upsert; i decides its domain and words.
func episodeChange(i int, version uint64) cachestore.Change {
	lang := []string{"go", "rust"}[i%2]
	ep := protocol.Episode{EpisodeID: fmt.Sprintf("ep-%05d", i), TaskType: []string{"debugging", "testing"}[i%2],
		TaskDescription: fmt.Sprintf("fix the flaky retry loop number%d", i), Context: `{}`, StartTime: base.Unix() + int64(i),
		Steps: `[]`, Patterns: `[]`, Heuristics: `[]`, Checkpoints: `[]`, Metadata: `{}`,
		Domain: []string{"web-api", "cli", "ml-infra"}[i%3], Language: &lang}
	d, _ := protocol.MarshalRow(ep)
	return cachestore.Change{Entity: protocol.EntityEpisode, Op: protocol.OpUpsert, ID: ep.EpisodeID, Version: version, Data: d}
}

func vectorOf(i int) []float32 {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	v := make([]float32, 8)
	for j := range v {
		v[j] = r.Float32()*2 - 1
	}
	return v
}

func embeddingChange(i int, version uint64) cachestore.Change {
	e := protocol.Embedding{EmbeddingID: fmt.Sprintf("emb-%05d", i), ItemID: fmt.Sprintf("ep-%05d", i), ItemType: "episode",
		Dimension: 8, Model: "test-8", DType: protocol.DTypeF32LE, Vector: protocol.EncodeVector(vectorOf(i))}
	d, _ := protocol.MarshalRow(e)
	return cachestore.Change{Entity: protocol.EntityEmbedding, Op: protocol.OpUpsert, ID: e.EmbeddingID, Version: version, Data: d}
}

// fixture is a served cache filled with episodes 0..n-1 and their embeddings.
type fixture struct {
	t       *testing.T
	dir     string
	opts    cachestore.Options
	cache   *Cache
	local   *Local
	version uint64
	next    int
}

func newFixture(t *testing.T, window, n int) *fixture {
	f := &fixture{t: t, dir: t.TempDir(), opts: cachestore.Options{MaxEpisodes: window}}
	f.local = NewLocal(&LocalOptions{Worker: "w1", Now: func() time.Time { return base.Add(time.Hour) }})
	f.open()
	for range n / 10 {
		f.addEpisodes(10)
	}
	t.Cleanup(func() {
		if f.cache != nil { // nil: the test closed it
			f.local.Detach()
			f.cache.Close()
		}
	})
	return f
}

func (f *fixture) open() {
	c, err := OpenIndexed(f.dir, f.opts)
	if err != nil {
		f.t.Fatal(err)
	}
	f.cache = c
	f.local.Attach(c)
}

// addEpisodes applies one batch of n new (most recent) episodes with embeddings.
func (f *fixture) addEpisodes(n int) error {
	var b cachestore.Batch
	for range n {
		f.version += 2
		b.Changes = append(b.Changes, episodeChange(f.next, f.version-1), embeddingChange(f.next, f.version))
		f.next++
	}
	b.Checkpoint, b.Position = f.version, f.version
	_, err := f.cache.Store.Apply(context.Background(), b, nil)
	return err
}

func (f *fixture) swap() {
	f.local.Detach()
	if err := f.cache.Close(); err != nil {
		f.t.Error(err)
	}
	f.open()
}

func TestGetRecentAndFreshness(t *testing.T) {
	f := newFixture(t, 20, 30)
	ctx := t.Context()
	g, err := f.local.Get(ctx, GetRequest{Kind: protocol.EntityEpisode, ID: "ep-00029"})
	if err != nil {
		t.Fatal(err)
	}
	if g.Version != 59 || !strings.Contains(string(g.Episode), "number29") {
		t.Fatalf("get: version %d row %s", g.Version, g.Episode)
	}
	fr := g.Freshness
	if fr.AppliedVersion != 60 || !fr.Stale || fr.ServedBy != "cache" || !fr.AsOf.Equal(base.Add(time.Hour)) || fr.LastSync == nil {
		t.Fatalf("freshness without a worker: %+v", fr)
	}
	f.cache.Health = func() Health { return Health{Head: 64, Lag: 4} }
	g, _ = f.local.Get(ctx, GetRequest{Kind: protocol.EntityEpisode, ID: "ep-00029"})
	if g.Freshness.ServedBy != "worker" || g.Freshness.Stale || g.Freshness.TursoHeadVersion != 64 || g.Freshness.Lag != 4 {
		t.Fatalf("freshness with a worker: %+v", g.Freshness)
	}
	if _, err := f.local.Get(ctx, GetRequest{Kind: protocol.EntityEpisode, ID: "ep-00000"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("evicted episode: %v, want ErrNotFound", err)
	}
	r, err := f.local.Recent(ctx, RecentRequest{Limit: 5, Filter: Filter{Domain: "cli"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, row := range r.Episodes {
		var e protocol.Episode
		json.Unmarshal(row, &e)
		ids = append(ids, e.EpisodeID)
	}
	// domain cli is i%3 == 1: 28, 25, 22, 19, 16 (all inside the 20-episode window 10..29)
	if want := "ep-00028 ep-00025 ep-00022 ep-00019 ep-00016"; strings.Join(ids, " ") != want {
		t.Fatalf("recent --domain cli: %v, want %s", ids, want)
	}
	r, _ = f.local.Recent(ctx, RecentRequest{Limit: 100, Filter: Filter{Since: base.Unix() + 25}})
	if len(r.Episodes) != 5 {
		t.Fatalf("recent --since: %d episodes, want 5", len(r.Episodes))
	}
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t, 20, 20)
	ctx := t.Context()
	cases := []struct {
		name string
		call func() error
		want error
		text string
	}{
		{"unknown kind", func() error { _, err := f.local.Get(ctx, GetRequest{Kind: "widget", ID: "x"}); return err }, ErrBadRequest, `unknown kind "widget"`},
		{"empty id", func() error { _, err := f.local.Get(ctx, GetRequest{Kind: "episode"}); return err }, ErrBadRequest, "empty id"},
		{"limit over max", func() error { _, err := f.local.Recent(ctx, RecentRequest{Limit: 1000}); return err }, ErrBadRequest, "maximum of 100"},
		{"negative limit", func() error { _, err := f.local.Search(ctx, SearchRequest{Text: "x", Limit: -1}); return err }, ErrBadRequest, "limit -1"},
		{"empty search", func() error { _, err := f.local.Search(ctx, SearchRequest{}); return err }, ErrBadRequest, "nothing to search for"},
		{"bad mode", func() error { _, err := f.local.Search(ctx, SearchRequest{Text: "x", Mode: "fuzzy"}); return err }, ErrBadRequest, `unknown mode "fuzzy"`},
		{"search kind", func() error { _, err := f.local.Search(ctx, SearchRequest{Text: "x", Kind: "embedding"}); return err }, ErrBadRequest, "unknown kind"},
		{"dimension", func() error { _, err := f.local.Search(ctx, SearchRequest{Vector: []float32{1, 2, 3}}); return err }, ErrBadRequest, "8"},
		{"similar-to unknown", func() error { _, err := f.local.Search(ctx, SearchRequest{SimilarTo: "nope"}); return err }, ErrNotFound, "nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %v, want %v containing %q", err, tc.want, tc.text)
			}
		})
	}
}

// --similar-to uses the entity's own embedding and leaves it out.
func TestSimilarTo(t *testing.T) {
	f := newFixture(t, 50, 50)
	r, err := f.local.Search(t.Context(), SearchRequest{SimilarTo: "ep-00007", Kind: protocol.EntityEpisode, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if r.Mode != "vector" || len(r.Hits) != 5 {
		t.Fatalf("mode %s, %d hits", r.Mode, len(r.Hits))
	}
	for _, h := range r.Hits {
		if h.ID == "ep-00007" || h.Episode == nil {
			t.Fatalf("hit %+v: the entity itself, or without its row", h)
		}
	}
	kw, err := f.local.Search(t.Context(), SearchRequest{Text: "number42"})
	if err != nil || len(kw.Hits) == 0 || kw.Hits[0].ID != "ep-00042" || kw.Mode != "keyword" {
		t.Fatalf("keyword search for a unique word: %+v %v", kw, err)
	}
}

// Readers hammer the cache while batches apply (evicting from a full
// window) and the cache is swapped: no short list, no panic, and no error
// other than ErrUnavailable.
func TestConcurrentReadsDuringApplyAndSwap(t *testing.T) {
	const window = 40
	f := newFixture(t, window, window)
	var stop atomic.Bool
	var unavailable, reads atomic.Int64
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 1))
			for !stop.Load() {
				err := f.readOnce(rng, window)
				if errors.Is(err, ErrUnavailable) {
					unavailable.Add(1)
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				reads.Add(1)
			}
		})
	}
	for b := range 60 {
		if b%20 == 19 {
			f.swap()
		}
		if err := f.addEpisodes(5); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d reads, %d answered 'being replaced'", reads.Load(), unavailable.Load())
	if reads.Load() == 0 {
		t.Fatal("no read completed")
	}
}

func (f *fixture) readOnce(rng *rand.Rand, window int) error {
	ctx := context.Background()
	switch rng.IntN(3) {
	case 0:
		r, err := f.local.Recent(ctx, RecentRequest{Limit: window})
		if err == nil && len(r.Episodes) != window {
			return fmt.Errorf("short list: %d of %d", len(r.Episodes), window)
		}
		return err
	case 1:
		r, err := f.local.Search(ctx, SearchRequest{Text: "flaky retry", Vector: vectorOf(rng.IntN(1000)), Limit: 10})
		if err == nil && len(r.Hits) == 0 {
			return fmt.Errorf("hybrid search found nothing")
		}
		return err
	}
	_, err := f.local.Status(ctx)
	return err
}

// On a quiet cache the index's hits are all in the snapshot: one search
// per request (Search computes an answer again only when a batch landed
// between the snapshot and the index, and never more than searchAttempts
// times).
func TestQuietSearchDropsNothing(t *testing.T) {
	f := newFixture(t, 40, 60) // 20 episodes evicted from the window and the index
	for _, r := range []SearchRequest{
		{Text: "flaky retry", Vector: vectorOf(3), Limit: 10},
		{Text: "flaky retry", Limit: 100},
		{Vector: vectorOf(7), Limit: 100},
		{SimilarTo: "ep-00050", Limit: 100},
	} {
		out, dropped, err := f.local.searchOnce(t.Context(), r, spareHits(1))
		if err != nil || dropped != 0 || len(out.Hits) == 0 {
			t.Fatalf("search %+v: %d hits, %d dropped, %v; want hits and none dropped", r, len(out.Hits), dropped, err)
		}
	}
}
