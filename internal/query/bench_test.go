package query_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/internal/retrieval"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/serve"
	"github.com/memsync/memsync/protocol"
)

// Read-side benchmarks on realistic rows (internal/seed, 384-d embeddings):
//
//	go test -run XXX -bench . -benchtime 2000x ./internal/query
//	MEMSYNC_BENCH_READ_SIZES=1000,10000,100000 go test -run XXX -bench Search ./internal/query
//
// They measure the real path: a Pebble cache, the retrieval index that
// follows it, query.Local, and for BenchmarkGetOverSocket the HTTP endpoint
// on a unix socket with its client.

func benchSizes() []int {
	sizes := []int{1000, 10000}
	if s := os.Getenv("MEMSYNC_BENCH_READ_SIZES"); s != "" {
		sizes = nil
		for _, f := range splitComma(s) {
			n, _ := strconv.Atoi(f)
			sizes = append(sizes, n)
		}
	}
	return sizes
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// batches generates n episodes with one 384-d embedding each, as cache
// batches of 256 changes, most recent last.
func batches(n int) []cachestore.Batch {
	g := seed.NewGenerator(7, 384)
	var out []cachestore.Batch
	var b cachestore.Batch
	v := uint64(0)
	for i := range n {
		e := g.Episode(i, nil)
		e.StartTime = g.Base - int64(n-i)
		m := g.Embedding("episode", e.ID)
		v++
		ed, _ := protocol.MarshalRow(toEpisode(e))
		b.Changes = append(b.Changes, cachestore.Change{Entity: protocol.EntityEpisode, Op: protocol.OpUpsert, ID: e.ID, Version: v, Data: ed})
		v++
		md, _ := protocol.MarshalRow(protocol.Embedding{EmbeddingID: m.ID, ItemID: m.ItemID, ItemType: m.ItemType, Dimension: len(m.Vector),
			Model: m.Model, DType: protocol.DTypeF32LE, Vector: protocol.EncodeVector(m.Vector), CreatedAt: m.CreatedAt})
		b.Changes = append(b.Changes, cachestore.Change{Entity: protocol.EntityEmbedding, Op: protocol.OpUpsert, ID: m.ID, Version: v, Data: md})
		if len(b.Changes) >= 256 || i == n-1 {
			b.Checkpoint, b.Position = v, v
			out = append(out, b)
			b = cachestore.Batch{}
		}
	}
	return out
}

func toEpisode(e seed.Episode) protocol.Episode {
	return protocol.Episode{EpisodeID: e.ID, TaskType: e.TaskType, TaskDescription: e.Description, Context: e.Context,
		StartTime: e.StartTime, EndTime: e.EndTime, Steps: e.Steps, Outcome: e.Outcome, Reward: e.Reward, Reflection: e.Reflection,
		Patterns: e.Patterns, Heuristics: e.Heuristics, Checkpoints: e.Checkpoints, Metadata: e.Metadata, Domain: e.Domain,
		Language: e.Language, CreatedAt: e.CreatedAt}
}

var corpora sync.Map // size -> *corpus

type corpus struct {
	local *query.Local
	cache *query.Cache
	ids   []string
}

// served builds (once per size) an unbounded cache of n episodes, served.
func served(b *testing.B, n int) *corpus {
	if c, ok := corpora.Load(n); ok {
		return c.(*corpus)
	}
	dir, err := os.MkdirTemp("", "memsync-bench")
	if err != nil {
		b.Fatal(err)
	}
	c, err := query.OpenIndexed(filepath.Join(dir, "cache"), cachestore.Options{MaxEpisodes: 0, SkipVerify: true})
	if err != nil {
		b.Fatal(err)
	}
	out := &corpus{cache: c, local: query.NewLocal(nil)}
	for _, bt := range batches(n) {
		if _, err := c.Store.Apply(context.Background(), bt, nil); err != nil {
			b.Fatal(err)
		}
		for _, ch := range bt.Changes {
			if ch.Entity == protocol.EntityEpisode {
				out.ids = append(out.ids, ch.ID)
			}
		}
	}
	out.local.Attach(c)
	corpora.Store(n, out)
	return out
}

func BenchmarkGetInProcess(b *testing.B) {
	c := served(b, 1000)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if _, err := c.local.Get(ctx, query.GetRequest{Kind: protocol.EntityEpisode, ID: c.ids[i%len(c.ids)]}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetOverSocket: get by id through the worker's HTTP endpoint on a
// unix socket (the path every CLI read and `memsync mcp` takes).
func BenchmarkGetOverSocket(b *testing.B) {
	c := served(b, 1000)
	sock := filepath.Join(b.TempDir(), "s.sock")
	srv, err := serve.New(c.local, &serve.Options{Socket: sock})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-srv.Ready()
	cl := serve.Dial(sock, nil)
	defer cl.Close()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		t := time.Now()
		if _, err := cl.Get(ctx, query.GetRequest{Kind: protocol.EntityEpisode, ID: c.ids[i%len(c.ids)]}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

func BenchmarkRecent100WithFilter(b *testing.B) {
	c := served(b, 10000)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		r, err := c.local.Recent(ctx, query.RecentRequest{Limit: 100, Filter: query.Filter{Domain: "web-api"}})
		if err != nil || len(r.Episodes) != 100 {
			b.Fatalf("%d episodes, %v", len(r.Episodes), err)
		}
	}
}

func BenchmarkSearch(b *testing.B) {
	g := seed.NewGenerator(99, 384)
	vec := g.Embedding("episode", "q").Vector
	for _, n := range benchSizes() {
		c := served(b, n)
		for _, m := range []struct {
			name string
			req  query.SearchRequest
		}{
			{"keyword", query.SearchRequest{Text: "flaky integration tests retry", Limit: 10}},
			{"vector", query.SearchRequest{Vector: vec, Limit: 10}},
			{"hybrid", query.SearchRequest{Text: "flaky integration tests retry", Vector: vec, Limit: 10}},
		} {
			b.Run(fmt.Sprintf("%s/%d", m.name, n), func(b *testing.B) {
				lat := make([]time.Duration, 0, b.N)
				for range b.N {
					t := time.Now()
					r, err := c.local.Search(context.Background(), m.req)
					if err != nil || len(r.Hits) == 0 {
						b.Fatalf("%v, %d hits", err, len(r.Hits))
					}
					lat = append(lat, time.Since(t))
				}
				reportPercentiles(b, lat)
			})
		}
	}
}

// BenchmarkIndexBuild: building the index from Pebble when a cache opens,
// and the index's memory per 10k episodes (each with a 384-d embedding).
func BenchmarkIndexBuild(b *testing.B) {
	c := served(b, 10000)
	var bytes int64
	for range b.N {
		idx := retrieval.New(nil)
		if _, err := query.BuildIndex(idx, c.cache.Store); err != nil {
			b.Fatal(err)
		}
		bytes = idx.Stats().ApproxBytes
	}
	b.ReportMetric(float64(bytes)/(1<<20), "MiB/10k-episodes")
}

// BenchmarkApply: cache batches of 256 changes (128 episodes + their 384-d
// embeddings) on a plain cache versus a served one (OpenIndexed: the index
// follows every commit, off the apply path); the served run ends with a
// search, so the index has caught up with every batch inside the timing.
func BenchmarkApply(b *testing.B) {
	bs := batches(128 * 64)
	for _, withIndex := range []bool{false, true} {
		b.Run(fmt.Sprintf("index=%v", withIndex), func(b *testing.B) {
			changes := 0
			for range b.N {
				opts := cachestore.Options{MaxEpisodes: 1000, SkipVerify: true}
				var c *query.Cache
				var err error
				if withIndex {
					c, err = query.OpenIndexed(b.TempDir(), opts)
				} else {
					var s *cachestore.Store
					s, err = cachestore.Open(b.TempDir(), &opts)
					c = &query.Cache{Store: s}
				}
				if err != nil {
					b.Fatal(err)
				}
				for _, bt := range bs {
					if _, err := c.Store.Apply(context.Background(), bt, nil); err != nil {
						b.Fatal(err)
					}
					changes += len(bt.Changes)
				}
				if withIndex {
					l := query.NewLocal(nil)
					l.Attach(c)
					if _, err := l.Search(context.Background(), query.SearchRequest{Text: "retry", Limit: 1}); err != nil {
						b.Fatal(err)
					}
				}
				c.Close()
			}
			b.ReportMetric(float64(changes)/b.Elapsed().Seconds(), "changes/s")
		})
	}
}
