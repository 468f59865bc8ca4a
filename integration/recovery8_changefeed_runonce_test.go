package integration

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Issue 8, item 1 end to end, as reported: `run --once`, then the database
// file is replaced by another one (a new lineage) or restored from a
// backup taken before later writes (head below the stream's cursor), more
// writes, `run --once` again: it succeeds and `validate` is consistent
// against the database now at the path. The second run needs the worker
// to rebuild on a lineage change (the worker side of the issue).
func TestRunOnceAfterDatabaseReplacedOrRestored(t *testing.T) {
	cases := map[string]func(t *testing.T, dd, path string){
		"replaced": func(t *testing.T, dd, path string) {
			removeDB(t, path)
			memsync(t, nil, "seed", dd, "--episodes=40", "--patterns=3", "--embedding-dim=8", "--seed=12").want(t, 0)
		},
		"restored": func(t *testing.T, dd, path string) {
			backup := t.TempDir()
			backupFiles(t, path, backup)
			memsync(t, nil, "seed", dd, "--episodes=40", "--patterns=3", "--embedding-dim=8", "--seed=13").want(t, 0)
			memsync(t, nil, "run", "--once", dd, "--max-episodes=50").want(t, 0)
			restoreFiles(t, path, backup)
			memsync(t, nil, "seed", dd, "--episodes=10", "--patterns=1", "--embedding-dim=8", "--seed=14").want(t, 0)
		},
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			dd := "--data-dir=" + dir
			memsync(t, nil, "seed", dd, "--episodes=60", "--patterns=4", "--embedding-dim=8", "--seed=11").want(t, 0)
			memsync(t, nil, "run", "--once", dd, "--max-episodes=50").want(t, 0)
			change(t, dd, filepath.Join(dir, "memory.db"))
			memsync(t, nil, "run", "--once", dd, "--max-episodes=50").want(t, 0)
			v := memsync(t, nil, "validate", dd, "--max-episodes=50", "--json")
			var rep map[string]any
			mustJSON(t, v.stdout, &rep)
			if v.code != 0 || rep["consistent"] != true {
				t.Fatalf("validate after the second run (exit %d): stale %v diverged %v\n%s", v.code, rep["stale"], rep["diverged"], v.stdout)
			}
			applied, head := rep["applied_version"].(float64), rep["turso_head_version"].(float64)
			if applied != head {
				t.Fatalf("applied version %s, Turso head %s", strconv.FormatFloat(applied, 'f', 0, 64), strconv.FormatFloat(head, 'f', 0, 64))
			}
		})
	}
}

// The byte bound is a flag of the publishing commands, validated.
func TestPublishMaxBytesFlag(t *testing.T) {
	dd := "--data-dir=" + t.TempDir()
	out := memsync(t, nil, "run", "--once", dd, "--publish-max-bytes=1000").want(t, 2)
	if !strings.Contains(out.stderr, "max batch bytes") {
		t.Fatalf("stderr: %s", out.stderr)
	}
	memsync(t, nil, "seed", dd, "--episodes=20", "--seed=15").want(t, 0)
	memsync(t, nil, "run", "--once", dd, "--publish-max-bytes=65536").want(t, 0)
	memsync(t, nil, "validate", dd).want(t, 0)
}
