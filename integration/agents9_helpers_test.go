package integration

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
)

// Helpers of the issue 9 (items 3 and 4) tests: a large database made in
// SQL (seeding realistic rows through Go is ~6k rows/s, far too slow for
// 200k), and an agent that writes with its own connection.

// agents9Fixture creates a libSQL file with n ~2.2 KB episodes (start times
// one per 7 s going back, so the bootstrap order is meaningful), n/100
// patterns and n/100 embeddings, and no memsync objects.
func agents9Fixture(t *testing.T, n int) (string, *turso.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "memory.db")
	db := testenv.TursoAt(t, path)
	ctx := t.Context()
	stmts := []string{
		`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
INSERT INTO episodes (episode_id, task_type, task_description, context, start_time, end_time, steps, outcome, reward,
  reflection, patterns, heuristics, checkpoints, metadata, domain, language, created_at)
SELECT printf('ep-fix-%08d', i), 'debugging', 'Fix flaky integration tests', '{"domain":"web-api","language":"go"}',
  1767225600 - i * 7, 1767225600 - i * 7 + 60, '[{"step_number":1,"output":"' || replace(hex(zeroblob(1000)), '0', 'k') || '"}]',
  '{"type":"Success"}', '{"total":0.5}', '{"insights":[]}', '[]', '[]', '[]', '{"agent":"fixture"}', 'web-api', 'go',
  1767225600 - i * 7 FROM s`,
		`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
INSERT INTO patterns (pattern_id, pattern_type, pattern_data, success_rate, created_at, updated_at)
SELECT printf('pat-fix-%06d', i), 'ToolSequence', '{"tools":["grep","edit_file"]}', 0.75, 1, 1 FROM s`,
		`WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
INSERT INTO embeddings (embedding_id, item_id, item_type, embedding_data, dimension, model, created_at)
SELECT printf('emb-fix-%06d', i), printf('ep-fix-%08d', i), 'episode', '[0.5,0.25,0.125]', 3, 'fixture', 1 FROM s`,
	}
	for i, q := range stmts {
		if _, err := db.SQL().ExecContext(ctx, q, max(n/[]int{1, 100, 100}[i], 1)); err != nil {
			t.Fatalf("fixture: %v", err)
		}
	}
	return path, db
}

// agent9 writes episodes the way an agent does: its own connection, WAL,
// busy_timeout=1000, one INSERT OR REPLACE at a time (new episodes and
// replacements of fixture ones), every few milliseconds until stopped.
type agent9 struct {
	db             *sql.DB
	writes, failed atomic.Int64
	firstErr       atomic.Value
	stop           chan struct{}
	wg             sync.WaitGroup
	ids            sync.Map // ids written
}

func startAgent9(t *testing.T, path string, fixtureRows int) *agent9 {
	t.Helper()
	db, err := sql.Open("libsql", "file:"+path)
	mustDo(t, err)
	db.SetMaxOpenConns(1)
	for _, p := range []string{"PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=1000"} {
		rows, err := db.QueryContext(t.Context(), p)
		mustDo(t, err)
		for rows.Next() {
		}
		mustDo(t, rows.Close())
	}
	a := &agent9{db: db, stop: make(chan struct{})}
	a.wg.Add(1)
	go a.run(fixtureRows)
	t.Cleanup(func() { a.halt(); db.Close() })
	return a
}

func (a *agent9) run(fixtureRows int) {
	defer a.wg.Done()
	steps := `[{"step_number":1,"output":"` + fmt.Sprintf("%02000d", 0) + `"}]` // ~2.2 KB rows
	for i := 0; ; i++ {
		select {
		case <-a.stop:
			return
		case <-time.After(3 * time.Millisecond):
		}
		id := fmt.Sprintf("ep-agent-%08d", i)
		start := int64(1767225600 + i)
		if i%2 == 1 && fixtureRows > 0 { // replace an existing episode, moving it to the top
			id = fmt.Sprintf("ep-fix-%08d", 1+(i*7919)%fixtureRows)
		}
		_, err := a.db.ExecContext(context.Background(), `INSERT OR REPLACE INTO episodes (episode_id, task_type,
  task_description, context, start_time, end_time, steps, outcome, reward, reflection, patterns, heuristics,
  checkpoints, metadata, domain, language, created_at) VALUES (?, 'debugging', 'agent write', '{}', ?, ?, ?, NULL, NULL,
  NULL, '[]', '[]', '[]', '{"agent":"a9"}', 'web-api', 'go', ?)`, id, start, start+5, steps, start)
		a.writes.Add(1)
		if err != nil {
			a.failed.Add(1)
			a.firstErr.CompareAndSwap(nil, err.Error())
			continue
		}
		a.ids.Store(id, true)
	}
}

func (a *agent9) halt() {
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	a.wg.Wait()
}

// uncaptured counts the rows of table that have no change-log row with a
// change_id above after (each must be described by a change above it).
func uncaptured(t *testing.T, db *turso.DB, table, entity, idCol string, after uint64) int {
	t.Helper()
	var n int
	// NOT IN, not a correlated NOT EXISTS: the log has no per-entity
	// index, and SQLite builds the subquery's set once (a correlated
	// lookup scanned the whole log for each of 200k rows)
	q := fmt.Sprintf(`SELECT COUNT(*) FROM %s r WHERE r.%s IS NULL OR r.%s NOT IN (SELECT entity_id FROM memsync_changelog
  WHERE entity = '%s' AND entity_id IS NOT NULL AND change_id > ?)`, table, idCol, idCol, entity)
	mustDo(t, db.SQL().QueryRowContext(t.Context(), q, int64(after)).Scan(&n))
	return n
}

// allCaptured fails the test when a row of a synced table has no change
// above after.
func allCaptured(t *testing.T, db *turso.DB, after uint64) {
	t.Helper()
	for _, c := range [][3]string{{"episodes", "episode", "episode_id"}, {"patterns", "pattern", "pattern_id"}, {"embeddings", "embedding", "embedding_id"}} {
		if n := uncaptured(t, db, c[0], c[1], c[2], after); n != 0 {
			t.Errorf("%d %s have no change above %d", n, c[0], after)
		}
	}
}
