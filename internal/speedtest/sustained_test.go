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
// (MEMSYNC_BENCH_RATES, default 1000,2000,4000,6000,8000,12000,16000 per second, each
// for MEMSYNC_BENCH_STEP_SECONDS, default 5; commits of rate/100 episodes,
// 100 commits a second). A step is sustained when every write of it was
// applied within 1 s of its end: the lag did not grow; its rate is what
// the writer reached. The climb ends at the first step that lagged
// (memsync's limit) or when the writer, sharing the cores, fell short of
// 90% of the asked rate and gained less than 10% on the step before (the
// writer's limit: memsync's is above it, and the figure is a lower
// bound). Reported: the highest sustained rate, which limit ended the
// climb (writer-bound 1 or 0), against the slowest raw part measured in
// the same run (the goal is at least half of it). Run it with
//
//	go test -run XXX -bench SustainedRate -benchtime 1x ./internal/speedtest
func BenchmarkSustainedRate(b *testing.B) {
	rates := envRates(b, "MEMSYNC_BENCH_RATES", []int{1000, 2000, 4000, 6000, 8000, 12000, 16000})
	step := time.Duration(envInt(b, "MEMSYNC_BENCH_STEP_SECONDS", 5, 1)) * time.Second
	n := testenv.StartNATS(b)
	slowName, slowest := rawSlowest(b, n, envInt(b, "MEMSYNC_BENCH_EPISODES", 5000, 1)*2)
	base := newDataset(b, 1000)
	for _, w := range []struct {
		name string
		new  func(b *testing.B, db *turso.DB) commitWriter
	}{{"agent", agentWriter}, {"sql", sqlWriter}} {
		b.Run("writer="+w.name, func(b *testing.B) {
			n := testenv.StartNATS(b) // a stream of its own: the other writer's database has another lineage
			dir := b.TempDir()
			path, cacheDir := copyDB(b, base.golden, dir), filepath.Join(dir, "cache")
			warmUp(b, n, path, cacheDir)
			prop := newPropagation()
			ctx, cancel := context.WithCancel(b.Context())
			var cf batchMeter
			_, g := follow(ctx, b, n, path, cacheDir, prop, tuning{cfBatch: cf.record})
			agent, _ := openDB(b, path)
			write := w.new(b, agent)
			b.ResetTimer()
			c := climb{}
			for _, r := range rates {
				got, err := writeAtRate(ctx, write, c.written, r, step, prop)
				c.written += got
				reached := float64(got) / step.Seconds()
				behind := applyWithin(prop, c.written, time.Second)
				k, msgs, took := cf.take()
				k = max(k, 1)
				// one line a step: a benchmark's log keeps 10 lines
				b.Logf("asked %d/s: wrote %.0f/s, %d writes not applied 1 s after the step; changefeed: %d atomic batches of %.0f messages, %.1f ms each",
					r, reached, behind, k, float64(msgs)/float64(k), float64(took.Microseconds())/1e3/float64(k))
				if err != nil {
					b.Fatal(err)
				}
				if !c.step(float64(r), reached, behind) || waitApplied(ctx, prop, c.written) != nil {
					break
				}
			}
			b.StopTimer()
			cancel()
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(c.best, "sustained-writes/s")
			b.ReportMetric(c.best/slowest, "sustained/slowest")
			b.ReportMetric(map[bool]float64{true: 1}[c.writerBound], "writer-bound")
			b.Logf("%s writer: highest sustained rate %.0f changes/s = %.2fx the slowest raw part (%s, %.0f rows/s; goal >= 0.5x); %s",
				w.name, c.best, c.best/slowest, slowName, slowest, c.ending())
		})
	}
}

// commitWriter writes n new episodes, numbered from from, in one commit
// and returns their ids.
type commitWriter func(ctx context.Context, from, n int) ([]string, error)

// agentWriter writes as an agent does: one INSERT OR REPLACE per episode
// (seed.PutEpisode), a transaction per commit.
func agentWriter(_ *testing.B, db *turso.DB) commitWriter {
	g := seed.NewGenerator(13, 0)
	return func(ctx context.Context, from, n int) ([]string, error) { return writeCommit(ctx, db, g, from, n) }
}

// sqlWriter writes each commit's episodes with one INSERT ... SELECT: n
// copies of a seeded episode under new ids and start times. The triggers
// fire per row as for an agent's insert, but the writer spends no
// statement and cgo round trip per row: on two shared cores the agent
// writer runs out of CPU before memsync does, this one finds memsync's
// own limit.
func sqlWriter(b *testing.B, db *turso.DB) commitWriter {
	var tmpl string
	var newest int64
	err := db.SQL().QueryRowContext(b.Context(), `SELECT CAST(episode_id AS BLOB), (SELECT max(start_time) FROM episodes)
  FROM episodes ORDER BY start_time DESC LIMIT 1`).Scan(&tmpl, &newest)
	if err != nil {
		b.Fatal(err)
	}
	const q = `WITH RECURSIVE k(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM k WHERE i < ?)
INSERT INTO episodes (episode_id, task_type, task_description, context, start_time, end_time, steps, outcome,
  reward, reflection, patterns, heuristics, checkpoints, metadata, domain, language, created_at, archived_at)
SELECT printf('ep-sql-%09d', k.i), t.task_type, t.task_description, t.context, ? + k.i,
  CASE WHEN t.end_time IS NULL THEN NULL ELSE ? + k.i + t.end_time - t.start_time END, t.steps, t.outcome,
  t.reward, t.reflection, t.patterns, t.heuristics, t.checkpoints, t.metadata, t.domain, t.language, ? + k.i, NULL
FROM k, episodes t WHERE t.episode_id = CAST(? AS TEXT)`
	return func(ctx context.Context, from, n int) ([]string, error) {
		start := newest + 1
		if _, err := db.SQL().ExecContext(ctx, q, from, from+n-1, start, start, start, []byte(tmpl)); err != nil {
			return nil, fmt.Errorf("sql writer: %w", err)
		}
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("ep-sql-%09d", from+i)
		}
		return ids, nil
	}
}

// climb follows the steps of BenchmarkSustainedRate.
type climb struct {
	written     int
	best, last  float64 // the highest sustained rate; the last step's rate
	writerBound bool    // the climb ended at the writer's limit, not memsync's
	lagged      bool
	short       bool // the last step's writer fell short of 90% of the asked rate
}

// step records one step and reports whether the climb goes on.
func (c *climb) step(asked, reached float64, behind int) bool {
	if behind > 0 {
		c.lagged = true
		return false
	}
	c.best = max(c.best, reached)
	c.short = reached < 0.9*asked
	saturated := c.short && reached < 1.1*c.last
	c.last = reached
	c.writerBound = saturated
	return !saturated
}

func (c *climb) ending() string {
	switch {
	case c.lagged:
		return "the climb ended when the lag grew (memsync's limit)"
	case c.writerBound:
		return "the climb ended at the writer's limit on the shared cores, with no lag: memsync's limit is above it (a lower bound)"
	case c.short:
		return "no lag at any step, the last short of its asked rate by the writer: memsync's limit is above it (a lower bound)"
	}
	return "every asked rate was sustained (a lower bound)"
}

// writeAtRate writes new episodes at rate per second for d, in 100 commits
// a second, and returns how many it wrote.
func writeAtRate(ctx context.Context, write commitWriter, from, rate int, d time.Duration, prop *propagation) (int, error) {
	per := max(rate/100, 1)
	tick := time.Second * time.Duration(per) / time.Duration(rate)
	start, i := time.Now(), from
	for k := 0; time.Since(start) < d; k++ {
		if wait := time.Until(start.Add(time.Duration(k) * tick)); wait > 0 {
			time.Sleep(wait)
		}
		ids, err := write(ctx, i, per)
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
