package integration

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
)

// synced tables' row counts and memsync's objects in sqlite_master.
func agents9Counts(t *testing.T, db *turso.DB) (rows [3]int, own []string) {
	t.Helper()
	for i, tbl := range []string{"episodes", "patterns", "embeddings"} {
		mustDo(t, db.SQL().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+tbl).Scan(&rows[i]))
	}
	r, err := db.SQL().QueryContext(t.Context(), `SELECT type || ' ' || name FROM sqlite_master WHERE name LIKE 'memsync%' ORDER BY 1`)
	mustDo(t, err)
	defer r.Close()
	for r.Next() {
		var s string
		mustDo(t, r.Scan(&s))
		own = append(own, s)
	}
	return rows, own
}

// Issue 9, item 4: `memsync uninstall` on a real libSQL file after a real
// `run --once`: refused while the changefeed's publish record is fresh
// (exit 1, the reason and --force named), --force drops exactly memsync's
// objects (triggers, change log, memsync_meta), the synced
// tables and rows stay, an agent's write afterwards is not captured, and
// a second run has nothing to drop.
func TestAgents9Uninstall(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "memory.db")
	dd, tu := "--data-dir="+dir, "--turso=file:"+path
	memsync(t, nil, "seed", dd, "--episodes=40", "--patterns=4", "--embedding-dim=8", "--seed=9").want(t, 0)
	memsync(t, nil, "run", "--once", dd).want(t, 0) // installs, publishes: last_published_at is now
	db := testenv.OpenTurso(t, path)
	rows, own := agents9Counts(t, db)
	if len(own) != 11 { // 9 triggers, the change log, memsync_meta
		t.Fatalf("installed objects: %v", own)
	}

	r := memsync(t, nil, "uninstall", tu).want(t, 1)
	if !strings.Contains(r.stderr, "changefeed is live") || !strings.Contains(r.stderr, "published") || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("refusal does not say why and how: %s", r.stderr)
	}
	if _, still := agents9Counts(t, db); len(still) != len(own) {
		t.Fatalf("a refused uninstall dropped objects: %v", still)
	}

	r = memsync(t, nil, "uninstall", tu, "--force", "--json").want(t, 0)
	var rep struct {
		Database string         `json:"database"`
		Dropped  []turso.Object `json:"dropped"`
		Forced   bool           `json:"forced"`
	}
	mustJSON(t, r.stdout, &rep)
	if len(rep.Dropped) != 11 || !rep.Forced || rep.Dropped[0].Type != "trigger" || rep.Dropped[10].Name != "memsync_meta" { // 9 triggers, the log, the meta table
		t.Fatalf("uninstall --json: %s", r.stdout)
	}
	after, left := agents9Counts(t, db)
	if len(left) != 0 || after != rows {
		t.Fatalf("after uninstall: objects %v, rows %v (were %v)", left, after, rows)
	}

	a := startAgent9(t, path, 0) // an agent keeps writing: nothing captures it any more
	eventually(t, 10*time.Second, "agent writes", func() bool { return a.writes.Load() >= 5 })
	a.halt()
	if a.failed.Load() != 0 {
		t.Fatalf("agent writes failed after uninstall: %v", a.firstErr.Load())
	}
	if _, left := agents9Counts(t, db); len(left) != 0 {
		t.Fatalf("an agent write after uninstall re-created %v", left)
	}

	r = memsync(t, nil, "uninstall", tu).want(t, 0)
	if !strings.Contains(r.stdout, "nothing to drop") {
		t.Fatalf("second uninstall: %s", r.stdout)
	}
	r = memsync(t, nil, "uninstall", tu, "--json").want(t, 0)
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Dropped) != 0 {
		t.Fatalf("second uninstall --json: %s", r.stdout)
	}
	memsync(t, nil, "uninstall", "--turso=file:"+filepath.Join(dir, "missing.db")).want(t, 2)
}
