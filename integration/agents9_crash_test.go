package integration

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
)

// captureRecord reads the bootstrap's progress from memsync_meta (ok false
// while there is none: before the install, or once it is complete).
func captureRecord(t *testing.T, db *turso.DB) (rows int64, ok bool) {
	t.Helper()
	var v string
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT value FROM memsync_meta WHERE key = 'capture'`).Scan(&v); err != nil {
		return 0, false
	}
	var st struct {
		Rows int64 `json:"rows"`
	}
	mustDo(t, json.Unmarshal([]byte(v), &st))
	return st.Rows, true
}

// Issue 9, item 3: the real changefeed is killed with SIGKILL between
// chunks of its bootstrap. The change log then holds exactly the rows the
// recorded progress says (each chunk commits its rows with its progress);
// agents keep writing; the restarted changefeed resumes the same bootstrap
// (same lineage) and every row ends up captured, the fixture rows once.
func TestAgents9BootstrapKilledBetweenChunksResumes(t *testing.T) {
	const rows = 60_000
	path, db := agents9Fixture(t, rows)
	dir := filepath.Dir(path)
	n := testenv.StartNATS(t)
	args := []string{"changefeed", "--data-dir=" + dir, "--turso=file:" + path, "--nats=" + n.ClientURL(), "--log-format=json"}
	cf := &proc{t: t, args: args}
	cf.start()
	var done int64
	eventually(t, time.Minute, "two chunks of the bootstrap", func() bool {
		var ok bool
		done, ok = captureRecord(t, db)
		return ok && done >= 2*turso.DefaultCaptureChunk
	})
	cf.kill()
	recorded, ok := captureRecord(t, db)
	if !ok || recorded >= int64(rows) {
		t.Fatalf("the bootstrap was not interrupted (progress %d rows, recorded %v): the fixture is too small", recorded, ok)
	}
	var logged int64
	mustDo(t, db.SQL().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM memsync_changelog`).Scan(&logged))
	if logged != recorded {
		t.Fatalf("the change log holds %d rows, the progress records %d: a chunk and its progress did not commit together", logged, recorded)
	}
	lineage, err := db.Lineage(t.Context())
	mustDo(t, err)

	a := startAgent9(t, path, 0)
	eventually(t, 10*time.Second, "agent writes", func() bool { return a.writes.Load() >= 5 })
	cf = &proc{t: t, args: args}
	cf.start()
	eventually(t, 2*time.Minute, "the resumed bootstrap to complete", func() bool {
		_, ok := captureRecord(t, db)
		return !ok
	})
	a.halt()
	cf.stop()
	t.Logf("killed after %d of %d rows; the agent wrote %d times meanwhile", recorded, rows, a.writes.Load())
	if now, err := db.Lineage(t.Context()); err != nil || now != lineage {
		t.Fatalf("lineage after the restart %q (%v), was %q: the bootstrap was not resumed", now, err, lineage)
	}
	if a.failed.Load() != 0 {
		t.Fatalf("agent writes failed: %v", a.firstErr.Load())
	}
	allCaptured(t, db, 0)
	var twice int
	mustDo(t, db.SQL().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM (SELECT 1 FROM memsync_changelog
  WHERE entity_id LIKE '%-fix-%' GROUP BY entity, entity_id HAVING COUNT(*) > 1)`).Scan(&twice))
	if twice != 0 {
		t.Fatalf("%d fixture rows were captured twice", twice)
	}
}
