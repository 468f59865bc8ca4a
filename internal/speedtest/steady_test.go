package speedtest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
)

// BenchmarkSteadyStream: the changefeed and a worker with the production
// defaults (200 ms poll, 200 ms fetch wait, 1000-episode window) follow an
// agent writing b.N new episodes, one per commit, at MEMSYNC_BENCH_RATE per
// second (default 1000) from MEMSYNC_BENCH_AGENTS writers (default 1;
// a commit with synchronous=FULL takes 1-3 ms here, so the rate reached
// is reported) into a database of MEMSYNC_BENCH_STEADY_EPISODES episodes
// (default 1000, synced before the timer starts). Reported:
// commit-to-applied p50/p99, the process CPU per change (agent, changefeed,
// worker and nats-server together; the stages are pprof labels) and the
// write rate reached. MEMSYNC_BENCH_POLL_MS and MEMSYNC_BENCH_FETCH_WAIT_MS
// replace the changefeed's poll interval and the worker's fetch wait (the
// library options; 0 or unset: the defaults). Run it with
//
//	go test -run XXX -bench SteadyStream -benchtime 5000x ./internal/speedtest
func BenchmarkSteadyStream(b *testing.B) {
	base := envInt(b, "MEMSYNC_BENCH_STEADY_EPISODES", 1000, 0)
	rate := envInt(b, "MEMSYNC_BENCH_RATE", 1000, 1)
	agents := envInt(b, "MEMSYNC_BENCH_AGENTS", 1, 1)
	tune := tuning{poll: envMillis(b, "MEMSYNC_BENCH_POLL_MS"), fetchWait: envMillis(b, "MEMSYNC_BENCH_FETCH_WAIT_MS")}
	d := newDataset(b, base)
	n := testenv.StartNATS(b)
	dir := b.TempDir()
	path, cacheDir := copyDB(b, d.golden, dir), filepath.Join(dir, "cache")
	warmUp(b, n, path, cacheDir)
	prop := newPropagation()
	ctx, cancel := context.WithCancel(b.Context())
	p, g := follow(ctx, b, n, path, cacheDir, prop, tune)
	agent, _ := openDB(b, path)
	b.ResetTimer()
	cpu0, start := cpuTime(), time.Now()
	err := writeSteady(ctx, agent, schedule{n: b.N, rate: rate, agents: agents}, prop)
	writing := time.Since(start)
	if err == nil {
		err = waitApplied(ctx, prop, b.N)
	}
	if err != nil {
		head, _ := p.db.Head(b.Context())
		err = fmt.Errorf("%w (applied version %d, head %d)", err, p.store.State().AppliedVersion, head)
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	cancel()
	if gerr := g.Wait(); err == nil {
		err = gerr
	}
	if err != nil {
		b.Fatal(err)
	}
	p50, p99 := prop.percentiles()
	w50, w99 := prop.writePercentiles()
	b.ReportMetric(0, "ns/op") // the figures below are the result
	b.ReportMetric(float64(b.N)/writing.Seconds(), "writes/s")
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p99), "p99-ms")
	b.ReportMetric(ms(w50), "write-p50-ms")
	b.ReportMetric(ms(w99), "write-p99-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/change")
}

// warmUp syncs the database into the cache (lag 0) before the stream starts.
func warmUp(b *testing.B, n *testenv.NATS, path, cacheDir string) {
	b.Helper()
	inStage(b.Context(), "steady-warmup", func(ctx context.Context) {
		db, closeDB := openDB(b, path)
		defer closeDB()
		p, err := newPipeline(db, connect(b, n), cacheDir, cachestore.DefaultOptions(), tuning{})
		if err == nil {
			_, err = p.coldSync(ctx, "steady-warmup")
			p.store.Close()
		}
		if err != nil {
			b.Fatal(err)
		}
	})
}

// follow runs the changefeed and the worker until ctx is done, each in its
// own stage with its own NATS connection and database handle.
func follow(ctx context.Context, b *testing.B, n *testenv.NATS, path, cacheDir string, prop *propagation, tune tuning) (*pipeline, *errgroup.Group) {
	b.Helper()
	var p *pipeline
	inStage(ctx, "steady-follow", func(context.Context) {
		db, _ := openDB(b, path)
		opts := cachestore.DefaultOptions()
		opts.OnCommit = prop.onCommit
		var err error
		if p, err = newPipeline(db, connect(b, n), cacheDir, opts, tune); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { p.store.Close() })
	})
	g, gctx := errgroup.WithContext(ctx)
	for name, run := range map[string]func(context.Context) error{
		"steady-changefeed": p.cf.Run, "steady-worker": p.w.Run} {
		g.Go(func() (err error) {
			inStage(gctx, name, func(ctx context.Context) { err = run(ctx) })
			if errors.Is(err, context.Canceled) {
				err = nil
			}
			return err
		})
	}
	return p, g
}

// schedule is the agents' open-loop write plan: write i is due at
// start + i/rate, taken by whichever agent is free; a write that falls
// behind goes at once.
type schedule struct{ n, rate, agents int }

// writeSteady writes n new episodes (newer than every seeded one, so each
// enters the window), one INSERT OR REPLACE per commit, as agents do.
func writeSteady(ctx context.Context, db *turso.DB, s schedule, prop *propagation) error {
	var next atomic.Int64
	interval, start := time.Second/time.Duration(s.rate), time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for a := range s.agents {
		g.Go(func() (err error) {
			inStage(gctx, "steady-agent", func(ctx context.Context) {
				gen := seed.NewGenerator(uint64(7+a), 0)
				for i := int(next.Add(1) - 1); i < s.n && err == nil; i = int(next.Add(1) - 1) {
					if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
						time.Sleep(wait)
					}
					err = writeOne(ctx, db, gen, i, prop)
				}
			})
			return err
		})
	}
	return g.Wait()
}

func writeOne(ctx context.Context, db *turso.DB, g *seed.Generator, i int, prop *propagation) error {
	e := g.Episode(i, nil)
	e.ID, e.StartTime = fmt.Sprintf("ep-steady-%08d", i), g.Base+1+int64(i)
	e.CreatedAt = e.StartTime
	start := time.Now()
	if err := seed.PutEpisode(ctx, db.SQL(), e); err != nil {
		return err
	}
	now := time.Now()
	prop.committed(e.ID, now, now.Sub(start))
	return nil
}

// waitApplied waits until the cache holds all n writes (at most 2 minutes).
func waitApplied(ctx context.Context, prop *propagation, n int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		done, missing := prop.done()
		if done == n {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%w: %d of %d writes applied, %s among those missing", ErrLag, done, n, missing)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
