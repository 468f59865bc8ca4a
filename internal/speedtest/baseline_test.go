package speedtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/memsync/memsync/internal/testenv"
)

// BenchmarkSeedBaseline compares memsync's cold sync with the seed
// project's own way of filling a local cache (rust-self-learning-memory's
// sync: each memory read from Turso and written to the cache in a durable
// commit of its own), on one data set in one run. The goal is
// memsync >= 10x. Run it with
//
//	MEMSYNC_BENCH_EPISODES=20000 go test -run XXX -bench SeedBaseline -benchtime 1x ./internal/speedtest
func BenchmarkSeedBaseline(b *testing.B) {
	episodes := envInt(b, "MEMSYNC_BENCH_EPISODES", 5000, 1)
	d := newDataset(b, episodes)
	n := testenv.StartNATS(b)
	rates := map[string]float64{}
	runStages(b, []stage{
		{"commit-per-row", d.benchCommitPerRow},
		{"coldsync", func(m *meter) int { return d.benchColdSync(m, n, 0) }},
	}, rates)
	b.Run("ratio", func(b *testing.B) {
		base, cold := rates["commit-per-row"], rates["coldsync"]
		if base <= 0 || cold <= 0 {
			b.Skip("the ratio needs both stages of the same run (-bench SeedBaseline)")
		}
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(cold/base, "coldsync/baseline")
		b.Logf("%d rows: one durable commit per row %.0f rows/s, memsync cold sync %.0f rows/s = %.1fx (goal >= 10x)",
			len(d.rows), base, cold, cold/base)
	})
}

// benchCommitPerRow: every row scanned from the libSQL file and written to
// a new Pebble directory in its own synced commit, as the seed's sync does.
func (d *dataset) benchCommitPerRow(m *meter) int {
	b := m.b
	total := 0
	inStage(b.Context(), "commit-per-row", func(ctx context.Context) {
		for i := 0; i < b.N; i++ {
			m.off()
			dir := filepath.Join(b.TempDir(), "pebble")
			src, closeDB := openDB(b, d.golden)
			m.on()
			db := openPebble(b, dir)
			n, err := scanAll(ctx, src.SQL(), func(kind string, cells []any) error {
				r, err := toRawRow(kind, cells)
				if err != nil {
					return err
				}
				return db.Set([]byte(r.subject), r.data, pebble.Sync)
			})
			m.off()
			closeDB()
			stored, cerr := countRows(db)
			if err = d.same(err, n, "commit-per-row (scanned)"); err == nil {
				err = d.same(cerr, stored, "commit-per-row (stored)")
			}
			if cerr := db.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				b.Fatal(err)
			}
			os.RemoveAll(dir)
			m.on()
			total += stored
		}
	})
	return total
}
