package changefeed

import (
	"log/slog"
	"runtime"
	"testing"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
)

// BenchmarkBuildBatch reads one batch of changes with their rows (one
// snapshot) and builds its messages, as a step of a cold sync does before
// publishing: 250 seeded episodes, each with a 384-d embedding, and 10
// patterns with theirs (BatchSize 500 changes). Per row: the CPU time and
// what was allocated.
//
//	go test -run XXX -bench BuildBatch -benchmem ./changefeed
func BenchmarkBuildBatch(b *testing.B) {
	db, _ := testenv.Turso(b)
	if err := seed.Seed(b.Context(), db.SQL(), seed.Options{Episodes: 250, Patterns: 10, EmbeddingDim: 384, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	_, js := testenv.StartNATS(b).Connect(b)
	c, err := New(db, js, &Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.ensureReady(b.Context()); err != nil {
		b.Fatal(err)
	}
	rows := 0
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		rb, err := c.read(b.Context(), 0)
		if err != nil {
			b.Fatal(err)
		}
		out, dead, err := c.buildBatch(b.Context(), rb, c.cur)
		if err != nil || dead != 0 || len(out.msgs) != len(rb.items) {
			b.Fatalf("%d of %d messages built, %d dead letters: %v", len(out.msgs), len(rb.items), dead, err)
		}
		rows += len(out.msgs)
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if rows == 0 {
		b.Fatal("no rows")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(rows)/1e3, "µs/row")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(rows), "B/row")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(rows), "allocs/row")
}
