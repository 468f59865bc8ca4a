package speedtest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
)

// BenchmarkOfflineCatchUp: a worker is offline while agents write
// MEMSYNC_BENCH_CHANGES new episodes (default 10000) and the changefeed
// publishes them; it is then started (a new connection, its durable
// consumer): the time from its start to lag 0. Compared, in the same run,
// with the slowest raw part (scan, publish, apply) on a data set of about
// as many rows; the goal is at most 2 x changes / slowest part plus
// the reconnect. Run it with
//
//	go test -run XXX -bench OfflineCatchUp -benchtime 1x ./internal/speedtest
func BenchmarkOfflineCatchUp(b *testing.B) {
	changes := envInt(b, "MEMSYNC_BENCH_CHANGES", 10000, 1)
	n := testenv.StartNATS(b)
	slowName, slowest := rawSlowest(b, n, changes)
	base := newDataset(b, 1000)
	dir := b.TempDir()
	path, cacheDir := copyDB(b, base.golden, dir), filepath.Join(dir, "cache")
	warmUp(b, n, path, cacheDir)
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	db, closeDB := openDB(b, path)
	defer closeDB()
	head := publishWhileOffline(ctx, b, n, path, db, changes)
	b.ResetTimer()
	start := time.Now()
	took, err := catchUpFrom(ctx, b, n, path, cacheDir, head)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	goal := 2 * time.Duration(float64(changes)/slowest*float64(time.Second))
	drain := took.total - took.reconnect
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(took.total.Seconds(), "catchup-s")
	b.ReportMetric(took.reconnect.Seconds(), "reconnect-s")
	b.ReportMetric(drain.Seconds(), "drain-s")
	b.ReportMetric(goal.Seconds(), "goal-s")
	b.Logf("%d changes while offline: lag 0 after %v (%v wall) = reconnect %v (open the cache, connect, bind, the first batch's fetch) + drain %v (%d batches applied); slowest raw part %s %.0f rows/s: goal 2 x %d / %.0f = %v + reconnect (drain %.2fx the goal)",
		changes, took.total.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), took.reconnect.Round(time.Millisecond),
		drain.Round(time.Millisecond), took.batches, slowName, slowest, changes, slowest, goal.Round(time.Millisecond), drain.Seconds()/goal.Seconds())
}

// catchUp is how long a worker took to reach the head: in all, and until
// the first batch it applied had been fetched (the reconnect: opening the
// cache, connecting, binding its consumer, the first fetch).
type catchUp struct {
	total, reconnect time.Duration
	batches          int
}

// rawSlowest measures the raw parts on a data set of about rows rows (each
// episode has an embedding: rows/2 episodes) and returns the slowest.
func rawSlowest(b *testing.B, n *testenv.NATS, rows int) (string, float64) {
	d := newDataset(b, max(rows/2, 1))
	rates := map[string]float64{}
	for name, run := range map[string]func(*meter) int{
		"scan": d.benchScan, "publish": func(m *meter) int { return d.benchPublish(m, n) },
		"apply": func(m *meter) int { return d.benchApply(m, n) }} {
		m := newMeter(b)
		start := time.Now()
		got := run(m)
		rates[name] = float64(got) / time.Since(start).Seconds()
	}
	b.Logf("raw parts on %d rows: scan %.0f, publish %.0f, apply %.0f rows/s", len(d.rows), rates["scan"], rates["publish"], rates["apply"])
	return slowestPart(rates)
}

// publishWhileOffline writes changes new episodes (100 per commit) while
// only the changefeed runs, and returns the change-log head once the
// changefeed has published it.
func publishWhileOffline(ctx context.Context, b *testing.B, n *testenv.NATS, path string, db *turso.DB, changes int) uint64 {
	b.Helper()
	cdb, closeC := openDB(b, path)
	defer closeC()
	cf, err := changefeed.New(cdb, connect(b, n), &changefeed.Options{Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	if err := writeBatched(ctx, db, "ep-offline", 0, changes, 100); err != nil {
		b.Fatal(err)
	}
	head, err := db.Head(ctx)
	if err == nil {
		err = publishAll(ctx, cf)
	}
	if err != nil {
		b.Fatal(err)
	}
	return head
}

// catchUpFrom starts a worker on the cache and returns when it reached
// version head.
func catchUpFrom(ctx context.Context, b *testing.B, n *testenv.NATS, path, cacheDir string, head uint64) (catchUp, error) {
	start := time.Now()
	db, closeDB := openDB(b, path)
	defer closeDB()
	var mu sync.Mutex
	var took catchUp
	onBatch := func(_ int, apply time.Duration) { // the worker's goroutine, after the batch's commit
		mu.Lock()
		defer mu.Unlock()
		if took.batches++; took.batches == 1 {
			took.reconnect = time.Since(start) - apply
		}
	}
	p, err := newPipeline(db, connect(b, n), cacheDir, cachestore.DefaultOptions(), tuning{onBatch: onBatch})
	if err != nil {
		return took, err
	}
	defer p.store.Close()
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.w.Run(wctx) }()
	defer func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			b.Error(err)
		}
	}()
	for p.store.State().AppliedVersion < head {
		if time.Since(start) > 5*time.Minute {
			return took, fmt.Errorf("%w: applied %d of head %d after 5 min", ErrLag, p.store.State().AppliedVersion, head)
		}
		time.Sleep(time.Millisecond)
	}
	total := time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	took.total = total
	return took, nil
}

// writeBatched writes n new episodes named prefix-<i> from index from,
// per commits of batch (newer than every seeded one).
func writeBatched(ctx context.Context, db *turso.DB, prefix string, from, n, batch int) error {
	g := seed.NewGenerator(11, 0)
	for i := from; i < from+n; i += batch {
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for j := i; j < min(i+batch, from+n); j++ {
			e := g.Episode(j, nil)
			e.ID, e.StartTime = fmt.Sprintf("%s-%08d", prefix, j), g.Base+1+int64(j)
			e.CreatedAt = e.StartTime
			if err := seed.PutEpisode(ctx, tx, e); err != nil {
				tx.Rollback()
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}
