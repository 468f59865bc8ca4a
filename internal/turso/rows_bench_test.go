package turso

import (
	"testing"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/protocol"
)

// scannedRow is one row's values as database/sql gave them.
type scannedRow struct {
	e    protocol.Entity
	vals []any
}

// BenchmarkRowConvert turns seeded rows (200 episodes, 10 patterns, each
// with a 384-d embedding), scanned once, into Rows with their JSON: the
// code this replaced ("reference": strings per column, encoding/json)
// against the converter (views, reused buffers, the appending encoder).
// The CPU of the encode alone, without libSQL.
//
//	go test -run XXX -bench RowConvert -benchmem ./internal/turso
func BenchmarkRowConvert(b *testing.B) {
	d := openTestDB(b, "")
	if err := seed.Seed(b.Context(), d.sql, seed.Options{Episodes: 200, Patterns: 10, EmbeddingDim: 384, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	var rows []scannedRow
	for _, e := range protocol.Entities {
		q, err := d.sql.QueryContext(b.Context(), selectCols[e])
		if err != nil {
			b.Fatal(err)
		}
		cols, _ := q.Columns()
		for q.Next() {
			vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := q.Scan(ptrs...); err != nil {
				b.Fatal(err)
			}
			rows = append(rows, scannedRow{e, vals})
		}
		q.Close()
	}
	for _, tc := range []struct {
		name    string
		convert func(protocol.Entity, []any) Row
	}{
		{"reference", refConvert},
		{"converter", new(converter).convert},
	} {
		b.Run(tc.name, func(b *testing.B) {
			n, bytes := 0, 0
			for b.Loop() {
				for _, r := range rows {
					row := tc.convert(r.e, r.vals)
					if row.Err != nil {
						b.Fatal(row.Err)
					}
					n, bytes = n+1, bytes+len(row.Data)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n)/1e3, "µs/row")
			b.ReportMetric(float64(bytes)/float64(n), "json-B/row")
		})
	}
}
