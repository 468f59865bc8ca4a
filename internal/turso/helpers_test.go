package turso

import (
	"fmt"
	"path/filepath"
	"testing"
)

// openTestDB opens a libSQL file at path (a new one in t.TempDir when
// empty) with the synced tables, closed at cleanup.
func openTestDB(t testing.TB, path string) *DB {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "memory.db")
	}
	d, err := Open(t.Context(), "file:"+path, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.CreateTables(t.Context()); err != nil {
		t.Fatal(err)
	}
	return d
}

func mustExec(t testing.TB, d *DB, q string, args ...any) {
	t.Helper()
	if _, err := d.sql.ExecContext(t.Context(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// putEpisode writes a minimal episode with INSERT OR REPLACE (as agents do).
func putEpisode(t testing.TB, d *DB, id any, start any) {
	t.Helper()
	mustExec(t, d, `INSERT OR REPLACE INTO episodes (episode_id, task_type, task_description, context, start_time, steps,
  patterns, metadata, domain) VALUES (?, 'debugging', 'd', '{}', ?, '[]', '[]', '{}', 'web-api')`, id, start)
}

// fill writes n episodes (start times 1000+i*10 % 997: ties and disorder),
// n/2 patterns and n/2 embeddings.
func fill(t testing.TB, d *DB, n int) {
	t.Helper()
	for i := range n {
		putEpisode(t, d, fmt.Sprintf("ep-%04d", i), 1000+(i*10)%997)
	}
	for i := range n / 2 {
		mustExec(t, d, `INSERT INTO patterns (pattern_id, pattern_type, pattern_data, success_rate) VALUES (?, 't', '{}', 0.5)`, fmt.Sprintf("pat-%04d", i))
		mustExec(t, d, `INSERT INTO embeddings (embedding_id, item_id, item_type, embedding_data, dimension, model)
  VALUES (?, ?, 'episode', '[1]', 1, 'm')`, fmt.Sprintf("emb-%04d", i), fmt.Sprintf("ep-%04d", i))
	}
}

// change is one change-log row as the tests see it.
type change struct {
	id             int64
	entity, entID  string
	op             string
	entIDWasNotTxt bool
}

func changes(t testing.TB, d *DB) []change {
	t.Helper()
	rows, err := d.sql.QueryContext(t.Context(), `SELECT change_id, entity, quote(entity_id), op, typeof(entity_id) != 'text' FROM memsync_changelog ORDER BY change_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []change
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.id, &c.entity, &c.entID, &c.op, &c.entIDWasNotTxt); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// rowKeys lists quote(id) of every row of a table, in the capture order
// the issue asks for: episodes (start_time DESC, episode_id) for the
// well-formed ones.
func rowKeys(t testing.TB, d *DB, q string) []string {
	t.Helper()
	rows, err := d.sql.QueryContext(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// notDescribed counts the rows of a table without a change above after.
func notDescribed(t testing.TB, d *DB, table, entity, idCol string, after uint64) int {
	t.Helper()
	var n int
	// a set built once (NOT IN), not a lookup per row: the log has no
	// per-entity index; a NULL id is described by a change with a NULL id
	q := fmt.Sprintf(`SELECT COUNT(*) FROM %[1]s r WHERE CASE WHEN r.%[3]s IS NULL
  THEN NOT EXISTS (SELECT 1 FROM memsync_changelog WHERE entity = '%[2]s' AND entity_id IS NULL AND change_id > ?1)
  ELSE r.%[3]s NOT IN (SELECT entity_id FROM memsync_changelog WHERE entity = '%[2]s' AND entity_id IS NOT NULL AND change_id > ?1) END`,
		table, entity, idCol)
	if err := d.sql.QueryRowContext(t.Context(), q, int64(after)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func allDescribed(t testing.TB, d *DB, after uint64) {
	t.Helper()
	for _, c := range capturedTables {
		if n := notDescribed(t, d, c.table, c.entity, c.idCol, after); n != 0 {
			t.Errorf("%d %s rows have no change above %d", n, c.table, after)
		}
	}
}

func captureLeft(t testing.TB, d *DB) bool {
	t.Helper()
	_, ok, err := loadCapture(t.Context(), d.sql)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}
