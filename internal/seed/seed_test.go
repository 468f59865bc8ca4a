package seed

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/memsync/memsync/internal/turso"
)

// seeded writes o into a new libSQL file and returns its database.
func seeded(t *testing.T, o Options) *sql.DB {
	t.Helper()
	db, err := turso.Open(t.Context(), "file:"+filepath.Join(t.TempDir(), "db.sqlite"), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateTables(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := Seed(t.Context(), db.SQL(), o); err != nil {
		t.Fatal(err)
	}
	return db.SQL()
}

// digest is a hash of every row of the three tables, in key order.
func digest(t *testing.T, db *sql.DB) (counts [3]int, sum string) {
	t.Helper()
	h := sha256.New()
	for i, q := range []string{
		`SELECT CAST(episode_id || task_description || steps || start_time AS BLOB) FROM episodes ORDER BY episode_id`,
		`SELECT CAST(pattern_id || pattern_data AS BLOB) FROM patterns ORDER BY pattern_id`,
		`SELECT CAST(embedding_id || item_id || item_type || dimension AS BLOB) || embedding_vector FROM embeddings ORDER BY embedding_id`,
	} {
		rows, err := db.QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			h.Write(b)
			counts[i]++
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return counts, fmt.Sprintf("%x", h.Sum(nil))
}

// The same seed writes the same memories; another seed other ones; every
// episode and pattern has an embedding when a dimension is given, none
// without; progress is reported per committed chunk of 500 episodes.
func TestSeedIsDeterministic(t *testing.T) {
	var progress []int
	o := Options{Episodes: 1200, Patterns: 7, EmbeddingDim: 8, Seed: 3, Progress: func(n int) { progress = append(progress, n) }}
	countsA, a := digest(t, seeded(t, o))
	o.Progress = nil
	_, b := digest(t, seeded(t, o))
	o.Seed = 4
	_, c := digest(t, seeded(t, o))
	if countsA != [3]int{1200, 7, 1207} {
		t.Fatalf("counts %v, want 1200 episodes, 7 patterns, 1207 embeddings", countsA)
	}
	if a != b || a == c {
		t.Fatalf("same seed gave %s and %s; seed 4 gave %s (want equal, then different)", a, b, c)
	}
	if fmt.Sprint(progress) != "[500 1000 1200]" {
		t.Fatalf("progress %v, want [500 1000 1200]", progress)
	}
	noVec, _ := digest(t, seeded(t, Options{Episodes: 10, Patterns: 2, Seed: 3}))
	if noVec != [3]int{10, 2, 0} {
		t.Fatalf("without a dimension: counts %v, want no embeddings", noVec)
	}
}
