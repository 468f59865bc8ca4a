package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/worker"
)

// benchEnv seeds 2 KB episodes, each with a 384-d embedding (2 changes per
// episode), into a real libSQL file, with a real JetStream server.
func benchEnv(b *testing.B, episodes int) *env {
	b.Helper()
	db, path := testenv.Turso(b)
	n := testenv.StartNATS(b)
	_, js := n.Connect(b)
	if err := seed.Seed(context.Background(), db.SQL(), seed.Options{Episodes: episodes, EmbeddingDim: 384, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return &env{t: nil, db: db, path: path, nats: n, js: js}
}

func benchEpisodes() int {
	if v, err := strconv.Atoi(os.Getenv("MEMSYNC_BENCH_EPISODES")); err == nil && v > 0 {
		return v
	}
	return 5000
}

// Publish throughput: the whole change log through atomic batches of 500.
func BenchmarkPublish(b *testing.B) {
	e := benchEnv(b, benchEpisodes())
	ctx := context.Background()
	var changes int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		_ = e.js.DeleteStream(ctx, "MEMSYNC")
		cf, err := changefeed.New(e.db, e.js, &changefeed.Options{Logger: quiet()})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.db.SQL().ExecContext(ctx, `DELETE FROM memsync_changelog`); err == nil {
			_, _, _ = e.db.Resnapshot(ctx)
		}
		b.StartTimer()
		changes += publishAllB(b, cf)
	}
	b.ReportMetric(float64(changes)/b.Elapsed().Seconds(), "changes/s")
}

func publishAllB(b *testing.B, cf *changefeed.Changefeed) int {
	n := 0
	for {
		r, err := cf.PollOnce(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if r.Changes == 0 {
			return n
		}
		n += r.Published
	}
}

// Apply throughput: a fresh worker building its cache from the stream
// (fetch 256, one synced Pebble batch, one ack per batch).
func BenchmarkApply(b *testing.B) {
	for _, max := range []int{1000, 0} {
		b.Run("max-episodes="+strconv.Itoa(max), func(b *testing.B) {
			e := benchEnv(b, benchEpisodes())
			cf, _ := changefeed.New(e.db, e.js, &changefeed.Options{Logger: quiet()})
			publishAllB(b, cf)
			var msgs int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				st, err := cachestore.Open(filepath.Join(b.TempDir(), "c"), &cachestore.Options{MaxEpisodes: max})
				if err != nil {
					b.Fatal(err)
				}
				w, _ := worker.New(st, e.js, &worker.Options{Name: "b" + strconv.Itoa(i), Logger: quiet()})
				n, err := w.CatchUp(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				msgs += n
				st.Close()
			}
			b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "changes/s")
		})
	}
}

// Wall time of `memsync run --once` syncing MEMSYNC_BENCH_RUNONCE episodes
// (default 100000) with 384-d embeddings from `memsync seed` (seeding is not
// timed). Slow: run it on purpose with -bench RunOnce -benchtime 1x.
func BenchmarkRunOnce(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("MEMSYNC_BENCH_RUNONCE")); err == nil && v > 0 {
		n = v
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		if out, err := exec.Command(memsyncBin, "seed", "--data-dir="+dir, "--episodes="+strconv.Itoa(n), "--patterns=100", "--log-format=json").CombinedOutput(); err != nil {
			b.Fatalf("seed: %v %s", err, out)
		}
		b.StartTimer()
		start := time.Now()
		out, err := exec.Command(memsyncBin, "run", "--once", "--data-dir="+dir, "--log-format=json").CombinedOutput()
		if err != nil {
			b.Fatalf("run --once: %v %s", err, out)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/run")
		b.ReportMetric(float64(2*n+200)/time.Since(start).Seconds(), "changes/s")
	}
}

// Cost of an idle poll (no new changes): one indexed change-log query and a
// head read in one read transaction; nothing is published.
func BenchmarkIdlePoll(b *testing.B) {
	e := benchEnv(b, 10)
	cf, _ := changefeed.New(e.db, e.js, &changefeed.Options{Logger: quiet()})
	publishAllB(b, cf)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r, err := cf.PollOnce(context.Background()); err != nil || r.Changes != 0 {
			b.Fatal(r, err)
		}
	}
}

// Rebuild throughput from Turso (one snapshot) and from the stream (a
// worker consuming the compacted stream), unbounded window so every episode
// is written: episodes/s. MEMSYNC_BENCH_EPISODES sets the size (default 5000).
func BenchmarkRebuild(b *testing.B) {
	episodes := benchEpisodes()
	e := benchEnv(b, episodes)
	cf, _ := changefeed.New(e.db, e.js, &changefeed.Options{Logger: quiet()})
	publishAllB(b, cf)
	for _, source := range []string{"turso", "stream"} {
		b.Run(source, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				cfg := rebuild.Config{Dir: filepath.Join(b.TempDir(), "cache"), Options: cachestore.Options{MaxEpisodes: 0},
					JS: e.js, DB: e.db, Worker: worker.Options{Logger: quiet()}}
				if _, err := rebuild.Run(context.Background(), cfg, source, "bench"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(episodes*b.N)/b.Elapsed().Seconds(), "episodes/s")
		})
	}
}
