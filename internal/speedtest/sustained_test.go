package speedtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
)

// BenchmarkSustainedRate: the changefeed and a worker with the production
// defaults follow agents writing new episodes at rising rates
// (MEMSYNC_BENCH_RATES, default 1000,2000,4000,8000,16000 per second, each
// for MEMSYNC_BENCH_STEP_SECONDS, default 5; commits of rate/100 episodes,
// 100 commits a second). A rate is sustained when the writer reached 90%
// of it and every write of the step was applied within 1 s of the step's
// end: the lag did not grow. Reported: the highest sustained rate, against
// the slowest raw part measured in the same run (the goal is at
// least half of it). Run it with
//
//	go test -run XXX -bench SustainedRate -benchtime 1x ./internal/speedtest
func BenchmarkSustainedRate(b *testing.B) {
	rates := envRates(b, "MEMSYNC_BENCH_RATES", []int{1000, 2000, 4000, 8000, 16000})
	step := time.Duration(envInt(b, "MEMSYNC_BENCH_STEP_SECONDS", 5, 1)) * time.Second
	n := testenv.StartNATS(b)
	slowName, slowest := rawSlowest(b, n, envInt(b, "MEMSYNC_BENCH_EPISODES", 5000, 1)*2)
	base := newDataset(b, 1000)
	dir := b.TempDir()
	path, cacheDir := copyDB(b, base.golden, dir), filepath.Join(dir, "cache")
	warmUp(b, n, path, cacheDir)
	prop := newPropagation()
	ctx, cancel := context.WithCancel(b.Context())
	_, g := follow(ctx, b, n, path, cacheDir, prop, tuning{})
	agent, _ := openDB(b, path)
	b.ResetTimer()
	best, written := 0.0, 0
	for _, r := range rates {
		got, err := writeAtRate(ctx, agent, written, r, step, prop)
		written += got
		reached := float64(got) / step.Seconds()
		behind := applyWithin(prop, written, time.Second)
		b.Logf("asked %d/s: wrote %.0f/s, %d writes not applied 1 s after the step", r, reached, behind)
		if err != nil {
			b.Fatal(err)
		}
		if reached < 0.9*float64(r) || behind > 0 {
			break
		}
		best = reached
		if waitApplied(ctx, prop, written) != nil {
			break
		}
	}
	b.StopTimer()
	cancel()
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(best, "sustained-writes/s")
	b.ReportMetric(best/slowest, "sustained/slowest")
	b.Logf("highest sustained rate %.0f changes/s = %.2fx the slowest raw part (%s, %.0f rows/s; goal >= 0.5x)", best, best/slowest, slowName, slowest)
}

// writeAtRate writes new episodes at rate per second for d, in 100 commits
// a second, and returns how many it wrote.
func writeAtRate(ctx context.Context, db *turso.DB, from, rate int, d time.Duration, prop *propagation) (int, error) {
	per := max(rate/100, 1)
	tick := time.Second * time.Duration(per) / time.Duration(rate)
	g := seed.NewGenerator(13, 0)
	start, i := time.Now(), from
	for k := 0; time.Since(start) < d; k++ {
		if wait := time.Until(start.Add(time.Duration(k) * tick)); wait > 0 {
			time.Sleep(wait)
		}
		ids, err := writeCommit(ctx, db, g, i, per)
		if err != nil {
			return i - from, err
		}
		now := time.Now()
		for _, id := range ids {
			prop.committed(id, now, 0)
		}
		i += per
	}
	return i - from, nil
}

func writeCommit(ctx context.Context, db *turso.DB, g *seed.Generator, from, n int) ([]string, error) {
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, n)
	for j := from; j < from+n; j++ {
		e := g.Episode(j, nil)
		e.ID, e.StartTime = fmt.Sprintf("ep-rate-%09d", j), g.Base+1+int64(j)
		e.CreatedAt = e.StartTime
		if err := seed.PutEpisode(ctx, tx, e); err != nil {
			tx.Rollback()
			return nil, err
		}
		ids = append(ids, e.ID)
	}
	return ids, tx.Commit()
}

// applyWithin waits up to d for n writes to be applied and returns how
// many are still missing.
func applyWithin(prop *propagation, n int, d time.Duration) int {
	deadline := time.Now().Add(d)
	for {
		done, _ := prop.done()
		if done >= n || time.Now().After(deadline) {
			return n - done
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// envRates reads a comma-separated list of positive rates.
func envRates(b testing.TB, name string, def []int) []int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || r < 1 {
			b.Fatal(fmt.Errorf("%w: %s=%q must be comma-separated positive rates", ErrBadEnv, name, s))
		}
		out = append(out, r)
	}
	return out
}
