package retrieval

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// benchDim is the embedding dimension of the benchmarks (all-MiniLM-L6-v2).
const benchDim = 384

var benchSizes = []int{1_000, 10_000, 100_000}

type benchCorpus struct {
	c *corpus
	x *Index
}

var (
	benchMu      sync.Mutex
	benchCorpora = map[int]*sync.Once{}
	benchBuilt   = map[int]*benchCorpus{}
)

// benchIndex builds (once per size) an index of n seed episodes, each with
// one 384-d embedding.
func benchIndex(b *testing.B, n int) *benchCorpus {
	benchMu.Lock()
	once, ok := benchCorpora[n]
	if !ok {
		once = new(sync.Once)
		benchCorpora[n] = once
	}
	benchMu.Unlock()
	once.Do(func() {
		c := genCorpus(b, 42, n, 0, benchDim)
		x := build(b, nil, c.muts)
		c.muts = nil // the rows are not needed after the build
		benchMu.Lock()
		benchBuilt[n] = &benchCorpus{c: c, x: x}
		benchMu.Unlock()
	})
	benchMu.Lock()
	defer benchMu.Unlock()
	return benchBuilt[n]
}

var benchNow = time.Unix(1_767_225_600, 0)

// reportCPU reports the CPU time per op (divided by per) since cpu0, in µs.
func reportCPU(b *testing.B, cpu0 time.Duration, per int, unit string) {
	if d := cpuTime() - cpu0; d > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/1e3/float64(b.N)/float64(per), unit)
	}
}

func benchSearch(b *testing.B, q func(bc *benchCorpus, i int) Query) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			bc := benchIndex(b, n)
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				hs, err := bc.x.Search(q(bc, i))
				if err != nil || len(hs) == 0 {
					b.Fatalf("search: %v, %d hits", err, len(hs))
				}
				i++
			}
			reportCPU(b, cpu0, 1, "cpu-µs/search")
		})
	}
}

var benchTexts = []string{
	"retry loop in the HTTP client", "flaky integration tests", "JWT validation middleware",
	"cache eviction policy", "pagination list endpoint", "CSV import job", "config loader",
}

func queryVec(bc *benchCorpus, i int) []float32 {
	e := bc.c.episodes[(i*7919)%len(bc.c.episodes)]
	return bc.c.vectors[e.ID]
}

func BenchmarkKeyword(b *testing.B) {
	benchSearch(b, func(bc *benchCorpus, i int) Query {
		return Query{Text: benchTexts[i%len(benchTexts)], Mode: ModeKeyword, Now: benchNow}
	})
}

func BenchmarkVector(b *testing.B) {
	benchSearch(b, func(bc *benchCorpus, i int) Query {
		return Query{Vector: queryVec(bc, i), Mode: ModeVector, Now: benchNow}
	})
}

func BenchmarkHybrid(b *testing.B) {
	benchSearch(b, func(bc *benchCorpus, i int) Query {
		return Query{Text: benchTexts[i%len(benchTexts)], Vector: queryVec(bc, i), Now: benchNow}
	})
}

// BenchmarkHybridFiltered is hybrid with a domain and language filter.
func BenchmarkHybridFiltered(b *testing.B) {
	benchSearch(b, func(bc *benchCorpus, i int) Query {
		return Query{Text: benchTexts[i%len(benchTexts)], Vector: queryVec(bc, i), Now: benchNow,
			Filter: Filter{Domain: "web-api", Language: "go"}}
	})
}

// BenchmarkBuild indexes 10k episodes and their embeddings from mutations,
// in batches of 256.
func BenchmarkBuild(b *testing.B) {
	c := genCorpus(b, 7, 10_000, 0, benchDim)
	b.ReportAllocs()
	b.ResetTimer()
	var st Stats
	for b.Loop() {
		x := build(b, nil, c.muts)
		st = x.Stats()
	}
	b.ReportMetric(float64(st.ApproxBytes), "bytes/10k-episodes")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(c.muts)), "ns/mutation")
}

// BenchmarkApply256 is one Apply of 256 episode mutations (updates of
// indexed episodes, in an index of 10k).
func BenchmarkApply256(b *testing.B) {
	c := genCorpus(b, 9, 10_000, 0, 0)
	x := build(b, nil, c.muts)
	upd := genCorpus(b, 10, 256, 0, 0)
	batches := make([][]Mutation, 8)
	for j := range batches {
		batches[j] = make([]Mutation, 256)
		for i := range batches[j] {
			m := upd.muts[i]
			m.ID = c.episodes[(j*256+i)%len(c.episodes)].ID
			batches[j][i] = m
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		if err := x.Apply(batches[i%len(batches)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/256, "ns/mutation")
	reportCPU(b, cpu0, 256, "cpu-µs/mutation")
}

// BenchmarkApply256Embeddings is one Apply of 256 embedding upserts (384-d).
func BenchmarkApply256Embeddings(b *testing.B) {
	c := genCorpus(b, 11, 256, 0, benchDim)
	var embs []Mutation
	for _, m := range c.muts {
		if m.Kind == "embedding" {
			embs = append(embs, m)
		}
	}
	x := build(b, nil, c.muts)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		if err := x.Apply(embs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(embs)), "ns/mutation")
	reportCPU(b, cpu0, len(embs), "cpu-µs/mutation")
}
