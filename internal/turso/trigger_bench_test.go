package turso

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/seed"
)

// The cost the capture triggers add to an agent's write: an INSERT OR
// REPLACE of a ~2.3 KB episode (internal/seed's realistic rows), measured
// on databases that differ only in memsync's objects, interleaved write by
// write in the same run, in rotating order, so the machine's noise falls on all alike:
//
//	plain         no memsync objects
//	memsync       installed (trigger -> AUTOINCREMENT change log)
//	entity-index  installed plus the (entity, entity_id) index on the log that
//	              versions before 2026-12-03 had (formerEntityIndex)
//	rowid         installed with a plain INTEGER PRIMARY KEY change log (no
//	              AUTOINCREMENT; the design requires it, this shows its cost)
//
// each with synchronous=FULL (SQLite's default: an fsync per commit) and
// NORMAL (WAL without the fsync: the CPU cost shows). Every database holds
// 20k episodes first. Run it with
//
//	go test ./internal/turso -run XXX -bench AgentWrite -benchtime 3000x
func BenchmarkAgentWrite(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("sync="+sync, func(b *testing.B) {
			variants := []string{"plain", "memsync", "entity-index", "rowid"}
			conns := make([]*DB, len(variants))
			for i, v := range variants {
				conns[i] = newBenchDB(b, v, sync)
			}
			g := seed.NewGenerator(1, 0)
			lat := make([][]time.Duration, len(variants))
			b.ResetTimer()
			for n := range b.N {
				e := g.Episode(n, nil)
				for j := range conns {
					// the order rotates: a write right after another
					// database's fsync pays for it (up to 1.2x at p50)
					i := (j + n) % len(conns)
					c := conns[i]
					e.ID = fmt.Sprintf("ep-bench-%s-%d", variants[i], n)
					start := time.Now()
					if err := seed.PutEpisode(context.Background(), c.sql, e); err != nil {
						b.Fatal(err)
					}
					lat[i] = append(lat[i], time.Since(start))
				}
			}
			b.StopTimer()
			for i, v := range variants {
				p50, p99 := percentiles(lat[i])
				b.ReportMetric(float64(p50.Microseconds()), "p50-"+v+"-µs")
				b.ReportMetric(float64(p99.Microseconds()), "p99-"+v+"-µs")
			}
			b.ReportMetric(0, "ns/op") // the per-variant percentiles are the result
		})
	}
}

func newBenchDB(b *testing.B, variant, sync string) *DB {
	b.Helper()
	d := openTestDB(b, filepath.Join(b.TempDir(), variant+".db"))
	d.sql.SetMaxOpenConns(1) // one connection, as an agent has: the PRAGMA sticks
	mustExec(b, d, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000)
INSERT INTO episodes (episode_id, task_type, task_description, context, start_time, steps, patterns, metadata, domain)
SELECT printf('ep-pre-%06d', i), 'debugging', 'd', '{}', i, replace(hex(zeroblob(1000)), '0', 's'), '[]', '{}', 'web-api' FROM s`)
	switch variant {
	case "memsync", "entity-index":
		if _, err := d.Install(b.Context()); err != nil {
			b.Fatal(err)
		}
		if variant == "entity-index" {
			mustExec(b, d, `CREATE INDEX `+formerEntityIndex+` ON memsync_changelog(entity, entity_id)`)
		}
	case "rowid":
		mustExec(b, d, `CREATE TABLE memsync_changelog (change_id INTEGER PRIMARY KEY, entity TEXT NOT NULL, entity_id TEXT,
  op TEXT NOT NULL, changed_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')))`)
		for _, q := range triggerDDL(capturedTables[0]) {
			mustExec(b, d, q)
		}
	}
	rows, err := d.sql.QueryContext(b.Context(), "PRAGMA synchronous="+sync)
	if err != nil {
		b.Fatal(err)
	}
	rows.Close()
	return d
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2], s[min(len(s)-1, len(s)*99/100)]
}
