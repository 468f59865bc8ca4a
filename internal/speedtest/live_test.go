package speedtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/serve"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// BenchmarkLivePropagation measures a running memsync from the outside, as
// an agent sees it: b.N new episodes written into the libSQL file of
// MEMSYNC_BENCH_LIVE_DIR (the --data-dir of a running `memsync run`, which
// serves worker MEMSYNC_BENCH_LIVE_WORKER, default "default") at
// MEMSYNC_BENCH_RATE per second (default 100), one per commit, each timed
// from its commit until the worker's local endpoint returns it (polled
// every millisecond). An episode that a later one overtook (the later one
// visible, it not: it left the window before its turn, which happens when
// the worker falls more than a window behind) is counted as "unseen"
// rather than waited for. The scale run uses it on the 1M-episode database
// (scripts/scale-run); skipped without MEMSYNC_BENCH_LIVE_DIR.
//
//	MEMSYNC_BENCH_LIVE_DIR=/tmp/memsync-scale/data MEMSYNC_BENCH_RATE=1000 \
//	  go test -run XXX -bench LivePropagation -benchtime 5000x ./internal/speedtest
func BenchmarkLivePropagation(b *testing.B) {
	dir := os.Getenv("MEMSYNC_BENCH_LIVE_DIR")
	if dir == "" {
		b.Skip("MEMSYNC_BENCH_LIVE_DIR (the data dir of a running memsync run) is not set")
	}
	rate := envInt(b, "MEMSYNC_BENCH_RATE", 100, 1)
	name := os.Getenv("MEMSYNC_BENCH_LIVE_WORKER")
	if name == "" {
		name = "default"
	}
	info, err := serve.Discover(dir, name)
	if err != nil {
		b.Fatalf("no running worker %q serves %s: %v", name, dir, err)
	}
	c := serve.Dial(info.Socket, nil)
	b.Cleanup(func() { c.Close() })
	agent, _ := openDB(b, filepath.Join(dir, "memory.db"))
	ids := make(chan committed, b.N)
	var seen sync.Map     // id -> time the endpoint first returned it
	var last atomic.Value // the id of the newest committed episode
	var unseen int
	ctx := b.Context()
	b.ResetTimer()
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return writeLive(gctx, agent, b.N, rate, ids, &last) })
	g.Go(func() error { return watchLive(gctx, c, b.N, ids, &seen, &last, &unseen) })
	err = g.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	var lat []time.Duration
	seen.Range(func(_, v any) bool { lat = append(lat, v.(time.Duration)); return true })
	p50, p99 := percentiles(lat)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "writes/s")
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(float64(unseen), "unseen")
}

type committed struct {
	id string
	at time.Time
}

// writeLive writes n episodes at rate per second, newest first in the
// window (start times after every seeded one), and hands each over when
// committed.
func writeLive(ctx context.Context, db *turso.DB, n, rate int, out chan<- committed, last *atomic.Value) error {
	gen := seed.NewGenerator(uint64(time.Now().UnixNano()), 0)
	interval, start, run := time.Second/time.Duration(rate), time.Now(), time.Now().UnixNano()
	// start above the newest episode already there (an earlier run's
	// episodes are dated ahead of their commit): a new one that sorted below
	// a full window would never be cached, and never seen
	var newest sql.NullInt64
	if err := db.SQL().QueryRowContext(ctx, `SELECT MAX(start_time) FROM episodes`).Scan(&newest); err != nil {
		return err
	}
	base := max(time.Now().Unix(), newest.Int64+1)
	for i := range n {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		e := gen.Episode(i, nil)
		e.ID, e.StartTime = fmt.Sprintf("ep-live-%d-%08d", run, i), base+int64(i)
		e.CreatedAt = e.StartTime
		if err := seed.PutEpisode(ctx, db.SQL(), e); err != nil {
			return err
		}
		last.Store(e.ID)
		out <- committed{e.ID, time.Now()}
	}
	return nil
}

// watchLive polls the endpoint for the oldest committed episode not yet
// seen, every millisecond, and records its commit-to-visible time. One
// that is not visible while a later committed one is (the worker applies
// in commit order) has left the window unseen: counted, not waited for.
func watchLive(ctx context.Context, c *serve.Client, n int, in <-chan committed, seen *sync.Map, last *atomic.Value, unseen *int) error {
	deadline := time.Now().Add(10 * time.Minute)
	for range n {
		var w committed
		select {
		case w = <-in:
		case <-ctx.Done():
			return ctx.Err()
		}
		for {
			if _, err := c.Get(ctx, query.GetRequest{Kind: protocol.EntityEpisode, ID: w.id}); err == nil {
				seen.Store(w.id, time.Since(w.at))
				break
			}
			if l, _ := last.Load().(string); l != w.id && l != "" {
				if _, err := c.Get(ctx, query.GetRequest{Kind: protocol.EntityEpisode, ID: l}); err == nil {
					if _, err := c.Get(ctx, query.GetRequest{Kind: protocol.EntityEpisode, ID: w.id}); err != nil {
						*unseen++
						break
					}
				}
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("%w: episode %s not visible", ErrLag, w.id)
			}
			time.Sleep(time.Millisecond)
		}
	}
	return nil
}
