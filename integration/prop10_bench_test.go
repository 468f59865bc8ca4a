package integration

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// BenchmarkPropagation (issue 10 item 2) measures commit -> applied latency
// with the default options: a writer does b.N single-row INSERT OR REPLACE
// episode writes (~2 KB, each a new most recent episode) at the target rate
// into a real libSQL file holding 1000 seeded episodes with 384-d
// embeddings; the changefeed publishes to an in-process nats-server; the
// worker applies to a Pebble cache of the default 1000-episode window. A
// write's latency runs from its commit (ExecContext returned) to the
// cache's OnCommit reporting its row (the synced Pebble batch committed).
// Run: go test ./integration -run XXX -bench Propagation -benchtime 2000x
func BenchmarkPropagation(b *testing.B) {
	for _, rate := range []int{100, 1000} {
		b.Run("rate="+strconv.Itoa(rate), func(b *testing.B) { benchPropagation(b, rate) })
	}
}

func benchPropagation(b *testing.B, rate int) {
	e := benchEnv(b, 1000)
	seen := &appliedLog{at: map[string]time.Time{}}
	st, err := cachestore.Open(filepath.Join(b.TempDir(), "cache"), &cachestore.Options{MaxEpisodes: 1000, OnCommit: seen.record})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var pub, apply durations
	cf, err := changefeed.New(e.db, e.js, &changefeed.Options{Logger: quiet(), OnBatch: pub.add})
	if err != nil {
		b.Fatal(err)
	}
	w, err := worker.New(st, e.js, &worker.Options{Logger: quiet(), OnBatch: apply.add})
	if err != nil {
		b.Fatal(err)
	}
	stop := runPipeline(cf, w)
	defer stop()
	waitApplied(b, e.db, st)
	eps := latencyEpisodes(b.N)
	polls0 := cf.Polls()
	pub.reset()
	apply.reset()
	b.ResetTimer()
	commits := writeAtRate(b, e.db, eps, rate)
	waitAllApplied(b, seen, eps)
	b.StopTimer()
	reportLatency(b, commits, seen, eps)
	b.ReportMetric(float64(cf.Polls()-polls0)/b.Elapsed().Seconds(), "polls/s")
	b.ReportMetric(pub.median(), "publish-p50-ms")
	b.ReportMetric(apply.median(), "apply-p50-ms")
}

// durations collects the times of the published or applied batches (the
// components' OnBatch hooks): where the latency goes.
type durations struct {
	mu sync.Mutex
	ms []float64
}

func (d *durations) add(_ int, took time.Duration) {
	d.mu.Lock()
	d.ms = append(d.ms, float64(took)/float64(time.Millisecond))
	d.mu.Unlock()
}

func (d *durations) reset() {
	d.mu.Lock()
	d.ms = nil
	d.mu.Unlock()
}

func (d *durations) median() float64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.ms) == 0 {
		return 0
	}
	slices.Sort(d.ms)
	return d.ms[len(d.ms)/2]
}

// appliedLog records when each episode's data was first committed to the
// cache (the worker's applied notification).
type appliedLog struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (l *appliedLog) record(changes []cachestore.DataChange) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range changes {
		if _, ok := l.at[c.ID]; !ok && c.Data != nil && c.Entity == protocol.EntityEpisode {
			l.at[c.ID] = now
		}
	}
}

func (l *appliedLog) get(id string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.at[id]
	return t, ok
}

// runPipeline runs the changefeed and the worker until stop.
func runPipeline(cf *changefeed.Changefeed, w *worker.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = cf.Run(ctx) }()
	go func() { defer wg.Done(); _ = w.Run(ctx) }()
	return func() { cancel(); wg.Wait() }
}

// waitApplied waits (setup, not timed) until the cache applied the head.
func waitApplied(b *testing.B, db *turso.DB, st *cachestore.Store) {
	b.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		head, err := db.Head(context.Background())
		if err == nil && head > 0 && st.State().AppliedVersion >= head {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.Fatal("the cache never caught up with the seeded database")
}

// latencyEpisodes are n new episodes, each more recent than the seeded
// ones and the one before (so each enters the window).
func latencyEpisodes(n int) []seed.Episode {
	g := seed.NewGenerator(99, 384)
	eps := make([]seed.Episode, n)
	for i := range eps {
		ep := g.Episode(0, nil)
		ep.ID, ep.StartTime = fmt.Sprintf("lat-%07d", i), g.Base+int64(i+1)*10
		eps[i] = ep
	}
	return eps
}

// writeAtRate writes eps open-loop at rate per second (a late write is not
// made up by waiting less later: each is due at start + i/rate) and returns
// the commit times.
func writeAtRate(b *testing.B, db *turso.DB, eps []seed.Episode, rate int) []time.Time {
	b.Helper()
	ctx := context.Background()
	commits := make([]time.Time, len(eps))
	start := time.Now()
	for i, ep := range eps {
		if d := time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
			time.Sleep(d)
		}
		if err := seed.PutEpisode(ctx, db.SQL(), ep); err != nil {
			b.Fatal(err)
		}
		commits[i] = time.Now()
	}
	b.ReportMetric(float64(len(eps))/time.Since(start).Seconds(), "writes/s")
	return commits
}

func waitAllApplied(b *testing.B, seen *appliedLog, eps []seed.Episode) {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	for _, ep := range eps {
		for {
			if _, ok := seen.get(ep.ID); ok {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("episode %s never applied", ep.ID)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

func reportLatency(b *testing.B, commits []time.Time, seen *appliedLog, eps []seed.Episode) {
	lat := make([]float64, len(eps))
	for i, ep := range eps {
		at, _ := seen.get(ep.ID)
		lat[i] = float64(at.Sub(commits[i])) / float64(time.Millisecond)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(lat[len(lat)-1], "max-ms")
	b.ReportMetric(0, "ns/op") // a rate-paced loop: time per op says nothing
}
