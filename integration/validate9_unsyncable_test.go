package integration

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/validate"
	"github.com/memsync/memsync/worker"
)

// An episode in the window that becomes unsyncable (a start_time that is
// not a number) leaves every cache: the changefeed parks it and publishes a
// delete in its place, the worker backfills the next episode, validation
// reports it as unsyncable and the cache as consistent; a Turso rebuild
// builds the same window; fixing the row brings it back.
func TestUnsyncableRowLeavesTheWindow(t *testing.T) {
	e, w := newEnvWriter(t, 91, 4)
	eps := recentFirst(w.episodes(8))
	cf := e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 5}
	c := e.caughtUp("", opts, worker.Options{})
	e.mustConsistent(c)

	bad := eps[1]
	_, err := e.db.SQL().ExecContext(t.Context(), `UPDATE episodes SET start_time = 'not-a-number' WHERE episode_id = ?`, bad)
	mustDo(t, err)
	e.publishAll(cf)
	e.catchUp(c)
	ids, err := c.store.WindowIDs()
	mustDo(t, err)
	want := []string{eps[0], eps[2], eps[3], eps[4], eps[5]} // the sixth most recent was backfilled
	if !slices.Equal(ids, want) {
		t.Fatalf("window after the row became unsyncable: %v, want %v", ids, want)
	}
	r := e.mustConsistent(c)
	if r.Diverged != 0 || r.Unsyncable.Count != 1 || r.Unsyncable.Rows[0].ID != bad ||
		!strings.Contains(r.Unsyncable.Rows[0].Reason, "start_time") {
		t.Fatalf("report: %+v", r)
	}

	// A cache rebuilt from Turso holds the same window.
	dir := filepath.Join(t.TempDir(), "rebuilt")
	if _, err := rebuild.FromTurso(t.Context(), e.rebuildConfig(dir, opts), "test"); err != nil {
		t.Fatal(err)
	}
	c2 := e.caughtUp(dir, opts, worker.Options{})
	if ids2, _ := c2.store.WindowIDs(); !slices.Equal(ids2, want) {
		t.Fatalf("Turso rebuild window %v, want %v", ids2, want)
	}
	e.mustConsistent(c2)

	// Fixed in Turso: the episode comes back (with its embedding) everywhere.
	_, err = e.db.SQL().ExecContext(t.Context(), `UPDATE episodes SET start_time = ? WHERE episode_id = ?`, w.g.Base+70, bad)
	mustDo(t, err)
	e.publishAll(cf)
	for _, cc := range []*cache{c, c2} {
		e.catchUp(cc)
		ids, _ := cc.store.WindowIDs()
		if !slices.Equal(ids, eps[:5]) {
			t.Fatalf("window after the fix: %v, want %v", ids, eps[:5])
		}
		if r := e.mustConsistent(cc); r.Unsyncable.Count != 0 {
			t.Fatalf("after the fix: %+v", r)
		}
	}
}

// The same through the real binary: `validate --json` names the unsyncable
// row with its reason and exits 0.
func TestCLIValidateReportsUnsyncable(t *testing.T) {
	dir := t.TempDir()
	memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=30", "--patterns=3").want(t, 0)
	db := testenv.OpenTurso(t, filepath.Join(dir, "memory.db")).SQL()
	var id string
	mustDo(t, db.QueryRowContext(t.Context(), `SELECT episode_id FROM episodes ORDER BY start_time DESC LIMIT 1 OFFSET 3`).Scan(&id))
	_, err := db.ExecContext(t.Context(), `UPDATE episodes SET start_time = 'not-a-number' WHERE episode_id = ?`, id)
	mustDo(t, err)
	memsync(t, nil, "run", "--once", "--data-dir="+dir, "--max-episodes=10").want(t, 0)
	res := memsync(t, nil, "validate", "--json", "--data-dir="+dir, "--max-episodes=10").want(t, 0)
	var r validate.Report
	mustDo(t, json.Unmarshal([]byte(res.stdout), &r))
	if !r.Consistent || r.Diverged != 0 || r.Episodes.Cache != 10 || r.Unsyncable.Count != 1 ||
		r.Unsyncable.Rows[0].ID != id || !strings.Contains(r.Unsyncable.Rows[0].Reason, "start_time") {
		t.Fatalf("validate --json: %s", res.stdout)
	}
	if res := memsync(t, nil, "validate", "--data-dir="+dir, "--max-episodes=10").want(t, 0); !strings.Contains(res.stdout, "unsyncable rows") {
		t.Fatalf("validate text output does not mention the unsyncable row: %s", res.stdout)
	}
}
