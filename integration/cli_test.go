package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/testenv"
)

type result struct {
	code           int
	stdout, stderr string
}

// memsync runs the binary with a clean MEMSYNC_/TURSO_/NATS_ environment.
func memsync(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, memsyncBin, args...)
	cmd.Env = append(cleanEnv(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("memsync %v: %v", args, err)
	}
	return r
}

func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MEMSYNC_") && !strings.HasPrefix(kv, "TURSO_") && !strings.HasPrefix(kv, "NATS_") {
			out = append(out, kv)
		}
	}
	return out
}

func (r result) want(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

// The newcomer path end to end: seed, run --once on the embedded defaults,
// validate (0), status, tamper (validate 1), missing cache (validate 2).
func TestCLIEndToEnd(t *testing.T) {
	dir := t.TempDir()
	dd := "--data-dir=" + dir
	memsync(t, nil, "seed", dd, "--episodes=300", "--patterns=5", "--seed=3").want(t, 0)
	out := memsync(t, nil, "run", "--once", dd, "--max-episodes=50").want(t, 0)
	if !strings.Contains(out.stdout, "cache holds 50 episodes, 5 patterns, 55 embeddings") {
		t.Fatalf("run --once output: %s", out.stdout)
	}
	var rep map[string]any
	v := memsync(t, nil, "validate", dd, "--max-episodes=50", "--json").want(t, 0)
	mustJSON(t, v.stdout, &rep)
	for _, k := range []string{"consistent", "stale", "diverged", "episodes", "patterns", "embeddings", "missing_latest", "orphan_embeddings", "applied_version", "turso_head_version"} {
		if _, ok := rep[k]; !ok {
			t.Fatalf("validate --json lacks %q: %s", k, v.stdout)
		}
	}
	if rep["consistent"] != true || rep["episodes"].(map[string]any)["cache"].(float64) != 50 {
		t.Fatalf("report: %s", v.stdout)
	}
	var st map[string]any
	mustJSON(t, memsync(t, nil, "status", dd, "--max-episodes=50", "--json").want(t, 0).stdout, &st)
	for _, k := range []string{"worker", "applied_version", "turso_head_version", "lag", "stale", "last_sync", "last_error", "counts"} {
		if _, ok := st[k]; !ok {
			t.Fatalf("status --json lacks %q: %v", k, st)
		}
	}
	if st["stale"] != false || st["lag"].(float64) != 0 {
		t.Fatalf("status: %v", st)
	}
	tamper(t, filepath.Join(dir, "cache", "default"), func(db *pebble.DB) {
		mustDo(t, db.DeleteRange([]byte("d/p/"), []byte("d/p0"), pebble.Sync))
	})
	memsync(t, nil, "validate", dd, "--max-episodes=50").want(t, 1)
	memsync(t, nil, "validate", dd, "--worker=nobody").want(t, 2)
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("bad JSON %v: %s", err, s)
	}
}

// Bad input is refused with exit 2 and a message that names the problem.
func TestCLIBadInput(t *testing.T) {
	cases := []struct {
		env  []string
		args []string
		msg  string
	}{
		{nil, []string{"frobnicate"}, "unknown command"},
		{nil, []string{"run", "--log-format=xml"}, "--log-format"},
		{nil, []string{"seed", "--episodes=-1"}, "--episodes"},
		{nil, []string{"worker", "--no-such-flag"}, "no-such-flag"},
		{[]string{"MEMSYNC_MAX_EPISODES=lots"}, []string{"validate"}, "max-episodes"},
		{nil, []string{"changefeed", "--data-dir=" + os.TempDir()}, "--nats"},
		{nil, []string{"nats", "--listen=nonsense"}, "--listen"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := memsync(t, tc.env, tc.args...).want(t, 2)
			if !strings.Contains(r.stderr, tc.msg) {
				t.Fatalf("stderr does not name %q: %s", tc.msg, r.stderr)
			}
		})
	}
}

// Every flag reads MEMSYNC_<FLAG>; the conventional TURSO_DATABASE_URL works.
func TestCLIEnvironment(t *testing.T) {
	dir := t.TempDir()
	dbURL := "file:" + filepath.Join(dir, "elsewhere.db")
	env := []string{"MEMSYNC_DATA_DIR=" + dir, "MEMSYNC_MAX_EPISODES=7", "TURSO_DATABASE_URL=" + dbURL, "MEMSYNC_NO_PATTERNS=true"}
	memsync(t, env, "seed", "--episodes=20", "--patterns=2", "--embedding-dim=0").want(t, 0)
	out := memsync(t, env, "run", "--once").want(t, 0)
	if !strings.Contains(out.stdout, "cache holds 7 episodes, 0 patterns") {
		t.Fatalf("env not honoured: %s", out.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "elsewhere.db")); err != nil {
		t.Fatalf("TURSO_DATABASE_URL not used: %v", err)
	}
}

// A cache held by another process is refused with the directory and the
// holder named; there is no fallback to another location.
func TestCLICacheLocked(t *testing.T) {
	dir := t.TempDir()
	memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=5").want(t, 0)
	memsync(t, nil, "run", "--once", "--data-dir="+dir).want(t, 0)
	cacheDir := filepath.Join(dir, "cache", "default")
	hold := exec.Command(memsyncBin, "worker", "--data-dir="+dir, "--nats=nats://127.0.0.1:1")
	hold.Env = cleanEnv()
	if err := hold.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hold.Process.Kill(); hold.Wait() })
	eventually(t, 10*time.Second, "the worker to hold the cache", func() bool {
		b, _ := os.ReadFile(filepath.Join(cacheDir, "MEMSYNC-OWNER"))
		return bytes.Contains(b, []byte("pid"))
	})
	r := memsync(t, nil, "validate", "--data-dir="+dir).want(t, 2)
	if !strings.Contains(r.stderr, cacheDir) || !strings.Contains(r.stderr, "pid") || !strings.Contains(r.stderr, "locked") {
		t.Fatalf("lock error does not name directory and holder: %s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "cache")); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "cache"))
	if len(entries) != 1 {
		t.Fatalf("a fallback cache was created: %v", entries)
	}
}

// Secrets never appear in output, even in errors.
func TestCLINoSecretInErrors(t *testing.T) {
	const token = "s3cr3t-TOKEN-value"
	r := memsync(t, []string{"TURSO_AUTH_TOKEN=" + token}, "seed", "--turso=libsql://127.0.0.1:1", "--episodes=1")
	if r.code == 0 {
		t.Fatal("seed against a closed port succeeded")
	}
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Fatalf("token leaked: %s %s", r.stdout, r.stderr)
	}
}

// The long-running form: `memsync run` against an external NATS picks up
// changes written while it runs and stops cleanly on SIGTERM; the cache then
// validates consistent.
func TestCLIRunFollowsChanges(t *testing.T) {
	dir := t.TempDir()
	n := testenv.StartNATS(t)
	_, js := n.Connect(t)
	memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=50", "--seed=9").want(t, 0)
	run := exec.Command(memsyncBin, "run", "--data-dir="+dir, "--nats="+n.ClientURL(), "--max-episodes=20", "--log-format=json")
	run.Env = cleanEnv()
	var logs bytes.Buffer
	run.Stderr = &logs
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	db := testenv.OpenTurso(t, filepath.Join(dir, "memory.db"))
	newWriter(t, db, 77, 384).episodes(10)
	waitConsumerDone(t, js, db)
	if err := run.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := run.Wait(); err != nil {
		t.Fatalf("run exited with %v\n%s", err, logs.String())
	}
	memsync(t, nil, "validate", "--data-dir="+dir, "--max-episodes=20").want(t, 0)
	if !strings.Contains(logs.String(), `"level":"INFO"`) {
		t.Fatalf("--log-format json did not log JSON: %s", logs.String())
	}
}

// waitConsumerDone waits until the default worker applied everything published.
func waitConsumerDone(t *testing.T, js jetstream.JetStream, db interface {
	Head(context.Context) (uint64, error)
}) {
	t.Helper()
	waitWorkerDone(t, js, db, "default")
}

// Long work shows progress: plain periodic lines when not on a terminal.
func TestCLIProgressLines(t *testing.T) {
	dir := t.TempDir()
	r := memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=1200", "--embedding-dim=0").want(t, 0)
	if !strings.Contains(r.stderr, "seed progress") || !strings.Contains(r.stderr, "per_second") || !strings.Contains(r.stderr, "eta") {
		t.Fatalf("no progress lines: %s", r.stderr)
	}
	r = memsync(t, nil, "run", "--once", "--data-dir="+dir).want(t, 0)
	if !strings.Contains(r.stderr, "publish progress") {
		t.Fatalf("no catch-up progress: %s", r.stderr)
	}
}

// validate and status check a cache against the options it was built with;
// `run --once` with a new window replaces the cache (the old one kept aside).
func TestCLICacheOptionsFollowTheCache(t *testing.T) {
	dir := t.TempDir()
	dd := "--data-dir=" + dir
	memsync(t, nil, "seed", dd, "--episodes=60", "--seed=8").want(t, 0)
	memsync(t, nil, "run", "--once", dd, "--max-episodes=20").want(t, 0)
	memsync(t, nil, "validate", dd).want(t, 0) // no --max-episodes: the cache's own 20
	out := memsync(t, nil, "run", "--once", dd, "--max-episodes=30").want(t, 0)
	if !strings.Contains(out.stdout, "cache holds 30 episodes") {
		t.Fatalf("window change: %s", out.stdout)
	}
	if a, _ := filepath.Glob(filepath.Join(dir, "cache", "default.aside-*")); len(a) != 1 {
		t.Fatalf("old cache not kept aside: %v", a)
	}
	memsync(t, nil, "validate", dd).want(t, 0)
}
