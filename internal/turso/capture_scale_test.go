package turso

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The write lock a capture holds, at scale. Long: it runs only with
// MEMSYNC_CAPTURE_ROWS set (README, "Robustness runs"):
//
//	MEMSYNC_CAPTURE_ROWS=1000000 go test ./internal/turso -run CaptureAtScale -v -timeout 60m
//
// It builds that many ~2.2 KB episodes (and 1% as many patterns and
// embeddings), then reports for the chunked bootstrap and re-snapshot the
// chunks, the longest write-lock hold and the longest write an agent
// (WAL, busy_timeout 5 s, a write every 3 ms) waited; and, for comparison,
// how long the former single-transaction capture held the lock.
func TestCaptureAtScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MEMSYNC_CAPTURE_ROWS"))
	if n <= 0 {
		t.Skip("set MEMSYNC_CAPTURE_ROWS (e.g. 1000000) to measure")
	}
	path := filepath.Join(t.TempDir(), "memory.db")
	d := openTestDB(t, path)
	start := time.Now()
	scaleFixture(t, d, n)
	t.Logf("fixture: %d episodes in %s", n, time.Since(start).Round(time.Second))

	a := startScaleAgent(t, path)
	start = time.Now()
	info, err := d.Install(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bootstrap: %d rows, %d chunks, %s, longest write lock %s; agent: %s",
		info.Capture.Rows, info.Capture.Chunks, time.Since(start).Round(time.Millisecond), info.Capture.LongestHold, a.report())
	start = time.Now()
	_, st, err := d.resnapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("re-snapshot: %d rows, %d chunks, %s, longest write lock %s; agent: %s",
		st.Rows, st.Chunks, time.Since(start).Round(time.Millisecond), st.LongestHold, a.report())
	a.halt()
	held, err := d.immediateHeld(t.Context(), func(c *sql.Conn) error { return legacyCapture(t.Context(), c) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("former single-transaction capture of the same rows: write lock held %s", held.Round(time.Millisecond))
}

// legacyCapture is the capture as it was before issue 9: three whole-table
// INSERT ... SELECTs in one transaction.
func legacyCapture(ctx context.Context, c *sql.Conn) error {
	for _, q := range []string{
		`INSERT INTO memsync_changelog(entity, entity_id, op) SELECT 'episode', episode_id, 'upsert' FROM episodes ORDER BY start_time DESC, episode_id`,
		`INSERT INTO memsync_changelog(entity, entity_id, op) SELECT 'pattern', pattern_id, 'upsert' FROM patterns ORDER BY pattern_id`,
		`INSERT INTO memsync_changelog(entity, entity_id, op) SELECT 'embedding', embedding_id, 'upsert' FROM embeddings ORDER BY embedding_id`,
	} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func scaleFixture(t *testing.T, d *DB, n int) {
	for from := 0; from < n; from += 100_000 {
		mustExec(t, d, `WITH RECURSIVE s(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM s WHERE i < ?)
INSERT INTO episodes (episode_id, task_type, task_description, context, start_time, end_time, steps, outcome, reward,
  reflection, patterns, metadata, domain, language, created_at)
SELECT printf('ep-scale-%08d', i), 'debugging', 'Fix flaky integration tests', '{"domain":"web-api"}', 1767225600 - i * 7,
  1767225600 - i * 7 + 60, '[{"output":"' || replace(hex(zeroblob(1000)), '0', 'k') || '"}]', '{"type":"Success"}',
  '{"total":0.5}', '{}', '[]', '{}', 'web-api', 'go', 1 FROM s`, from+1, min(from+100_000, n))
	}
	mustExec(t, d, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
INSERT INTO patterns (pattern_id, pattern_type, pattern_data, success_rate) SELECT printf('pat-%07d', i), 't', '{}', 0.5 FROM s`, max(n/100, 1))
	mustExec(t, d, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
INSERT INTO embeddings (embedding_id, item_id, item_type, embedding_data, dimension, model)
SELECT printf('emb-%07d', i), printf('ep-scale-%08d', i), 'episode', '[1]', 1, 'm' FROM s`, max(n/100, 1))
}

// scaleAgent writes an episode every 3 ms and records its slowest write.
type scaleAgent struct {
	d              *DB
	slowest        atomic.Int64
	writes, failed atomic.Int64
	stop           chan struct{}
	wg             sync.WaitGroup
}

func startScaleAgent(t *testing.T, path string) *scaleAgent {
	d, err := Open(t.Context(), "file:"+path, "")
	if err != nil {
		t.Fatal(err)
	}
	d.sql.SetMaxOpenConns(1)
	a := &scaleAgent{d: d, stop: make(chan struct{})}
	a.wg.Add(1)
	go a.run()
	t.Cleanup(func() { a.halt(); d.Close() })
	return a
}

func (a *scaleAgent) run() {
	defer a.wg.Done()
	for i := 0; ; i++ {
		select {
		case <-a.stop:
			return
		case <-time.After(3 * time.Millisecond):
		}
		start := time.Now()
		_, err := a.d.sql.Exec(`INSERT OR REPLACE INTO episodes (episode_id, task_type, task_description, context, start_time,
  steps, patterns, metadata, domain) VALUES (?, 'debugging', 'agent', '{}', ?, ?, '[]', '{}', 'web-api')`,
			fmt.Sprintf("ep-agent-%08d", i), 1767225600+i, fmt.Sprintf("%02000d", i))
		a.writes.Add(1)
		if err != nil {
			a.failed.Add(1)
		}
		if took := int64(time.Since(start)); took > a.slowest.Load() {
			a.slowest.Store(took)
		}
	}
}

func (a *scaleAgent) report() string {
	return fmt.Sprintf("%d writes, %d failed, slowest %s", a.writes.Load(), a.failed.Load(), time.Duration(a.slowest.Swap(0)).Round(time.Millisecond))
}

func (a *scaleAgent) halt() {
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	a.wg.Wait()
}
