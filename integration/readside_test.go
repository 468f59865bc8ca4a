package integration

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/memstat"
	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
)

// tursoEpisode is an episodes row read by the test itself with SQL.
type tursoEpisode struct {
	ID, Description, Domain string
	Start                   int64
}

// recentFromTurso reads the n most recent episodes straight from the file.
func recentFromTurso(t *testing.T, db *turso.DB, n int) []tursoEpisode {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(), `SELECT CAST(episode_id AS BLOB), CAST(task_description AS BLOB),
		CAST(domain AS BLOB), start_time FROM episodes ORDER BY start_time DESC, episode_id ASC LIMIT ?`, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []tursoEpisode
	for rows.Next() {
		var id, desc, domain []byte
		var e tursoEpisode
		if err := rows.Scan(&id, &desc, &domain, &e.Start); err != nil {
			t.Fatal(err)
		}
		e.ID, e.Description, e.Domain = string(id), string(desc), string(domain)
		out = append(out, e)
	}
	return out
}

// episodeVectors reads every episode embedding from the embedding_data column.
func episodeVectors(t *testing.T, db *turso.DB) map[string][]float64 {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(), `SELECT CAST(item_id AS BLOB), CAST(embedding_data AS BLOB) FROM embeddings WHERE item_type = 'episode'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]float64{}
	for rows.Next() {
		var id, data []byte
		if err := rows.Scan(&id, &data); err != nil {
			t.Fatal(err)
		}
		var v []float64
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		out[string(id)] = v
	}
	return out
}

func cosine(a, b []float64) float64 {
	var dot, na, nb float64
	for i := range a {
		dot, na, nb = dot+a[i]*b[i], na+a[i]*a[i], nb+b[i]*b[i]
	}
	return dot / math.Sqrt(na*nb)
}

// startMemsync starts a long-running memsync command; it is killed at cleanup.
func startMemsync(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(memsyncBin, args...)
	cmd.Env = cleanEnv()
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("memsync %v logs:\n%s", args, logs.String())
		}
	})
	return cmd, logs
}

// readJSON runs a read command with --json and decodes its answer.
func readJSON(t *testing.T, v any, code int, args ...string) result {
	t.Helper()
	r := memsync(t, nil, append(args, "--json")...).want(t, code)
	if code == 0 {
		mustJSON(t, r.stdout, v)
	}
	return r
}

// waitServed waits until the worker serving dir has applied Turso's head.
func waitServed(t *testing.T, dir string, db *turso.DB) {
	t.Helper()
	eventually(t, 60*time.Second, "the worker to serve a caught-up cache", func() bool {
		r := memsync(t, nil, "recent", "--data-dir="+dir, "--limit=1", "--json")
		var rr query.RecentResponse
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rr) != nil {
			return false
		}
		head, err := db.Head(t.Context())
		return err == nil && rr.Freshness.ServedBy == "worker" && rr.Freshness.AppliedVersion >= head
	})
}

func hitIDs(r query.SearchResponse) []string {
	var ids []string
	for _, h := range r.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

// The read commands against the real binary running `run` (embedded NATS),
// checked against rows the test reads from the Turso file itself; then the
// same reads on the stopped worker's cache.
func TestReadSideCLI(t *testing.T) {
	dir := t.TempDir()
	memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=300", "--patterns=20", "--embedding-dim=384", "--seed=5").want(t, 0)
	run, _ := startMemsync(t, "run", "--data-dir="+dir, "--max-episodes=200", "--log-format=json", "--memory-limit=512MiB")
	db := testenv.OpenTurso(t, filepath.Join(dir, "memory.db"))
	waitServed(t, dir, db)
	d := "--data-dir=" + dir

	// recent: the 10 most recent, in Turso's order
	want := recentFromTurso(t, db, 10)
	var rr query.RecentResponse
	readJSON(t, &rr, 0, "recent", d, "--limit=10")
	var got []string
	for _, row := range rr.Episodes {
		var e struct {
			ID string `json:"episode_id"`
		}
		json.Unmarshal(row, &e)
		got = append(got, e.ID)
	}
	var wantIDs []string
	for _, e := range want {
		wantIDs = append(wantIDs, e.ID)
	}
	if !slices.Equal(got, wantIDs) {
		t.Fatalf("recent: %v\nTurso: %v", got, wantIDs)
	}
	f := rr.Freshness
	if f.ServedBy != "worker" || f.AppliedVersion == 0 || f.TursoHeadVersion < f.AppliedVersion || time.Since(f.AsOf) > time.Minute || f.LastSync == nil {
		t.Fatalf("implausible freshness: %+v", f)
	}

	// get by id
	var g query.GetResponse
	readJSON(t, &g, 0, "get", "episode", want[3].ID, d)
	var ep struct {
		Description string `json:"task_description"`
		Domain      string `json:"domain"`
		Start       int64  `json:"start_time"`
	}
	mustJSON(t, string(g.Episode), &ep)
	if g.Kind != "episode" || g.ID != want[3].ID || g.Version == 0 || ep.Description != want[3].Description || ep.Domain != want[3].Domain || ep.Start != want[3].Start {
		t.Fatalf("get %s: %+v %+v, Turso %+v", want[3].ID, g, ep, want[3])
	}
	memsync(t, nil, "get", "episode", "no-such-episode", d).want(t, 1)

	// vector neighbours equal a brute-force cosine reference over the cached window
	vecs := episodeVectors(t, db)
	window := recentFromTurso(t, db, 200)
	q := window[0].ID
	type scored struct {
		id string
		s  float64
	}
	var ref []scored
	for _, e := range window[1:] {
		ref = append(ref, scored{e.ID, cosine(vecs[q], vecs[e.ID])})
	}
	sort.Slice(ref, func(i, j int) bool { return ref[i].s > ref[j].s })
	var sr query.SearchResponse
	readJSON(t, &sr, 0, "search", "--similar-to", q, "--kind=episode", "--limit=10", d)
	if len(sr.Hits) != 10 || sr.Mode != "vector" {
		t.Fatalf("similar-to: mode %s, %d hits", sr.Mode, len(sr.Hits))
	}
	for i, h := range sr.Hits {
		if h.ID == q {
			t.Fatal("similar-to returned the entity itself")
		}
		if math.Abs(h.Scores.Vector-ref[i].s) > 1e-4 {
			t.Fatalf("hit %d: %s cosine %.6f, reference %s %.6f", i, h.ID, h.Scores.Vector, ref[i].id, ref[i].s)
		}
	}
	vf := filepath.Join(t.TempDir(), "q.json")
	b, _ := json.Marshal(vecs[q])
	os.WriteFile(vf, b, 0o600)
	readJSON(t, &sr, 0, "search", "--vector", "@"+vf, "--limit=3", d)
	if sr.Hits[0].ID != q || math.Abs(sr.Hits[0].Scores.Vector-1) > 1e-4 {
		t.Fatalf("--vector of %s: first hit %+v", q, sr.Hits[0])
	}

	// a new Turso write becomes searchable by a unique word
	w := newWriter(t, db, 99, 384)
	e := w.g.Episode(0, nil)
	e.StartTime = w.g.Base + 1000
	e.Description = "calibrate the zyxquorum flux capacitor"
	wrote := time.Now()
	w.put(e)
	eventually(t, 10*time.Second, "the new episode to be searchable", func() bool {
		r := memsync(t, nil, "search", "zyxquorum", "--json", d)
		var s query.SearchResponse
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &s) == nil && len(s.Hits) > 0 && s.Hits[0].ID == e.ID
	})
	t.Logf("a new write was searchable %s after its commit (including one CLI start per poll)", time.Since(wrote).Round(time.Millisecond))

	// explain shows the score's components; the human table by default
	readJSON(t, &sr, 0, "search", "flaky integration tests", "--domain=web-api", "--explain", d)
	for _, h := range sr.Hits {
		var row struct {
			Domain string `json:"domain"`
		}
		json.Unmarshal(h.Episode, &row)
		if h.Kind == "episode" && row.Domain != "web-api" {
			t.Fatalf("--domain web-api returned a %q episode", row.Domain)
		}
	}
	human := memsync(t, nil, "search", "flaky integration tests", "--explain", d).want(t, 0)
	if !strings.Contains(human.stdout, "RECENCY") || !strings.Contains(human.stdout, "served by the worker") {
		t.Fatalf("human search output:\n%s", human.stdout)
	}

	// bad input: exit 2 with the reason
	for _, bad := range []struct {
		args []string
		text string
	}{
		{[]string{"search", "--vector", "[1,2,3]"}, "384"},
		{[]string{"search", "x", "--limit=1000"}, "100"},
		{[]string{"get", "widget", "x"}, "widget"},
		{[]string{"search"}, "usage"},
		{[]string{"search", "--vector", "[1, oops]"}, "JSON array"},
	} {
		r := memsync(t, nil, append(bad.args, d)...).want(t, 2)
		if !strings.Contains(r.stderr, bad.text) {
			t.Fatalf("%v: stderr %q does not name %q", bad.args, r.stderr, bad.text)
		}
	}

	// status finds the embedded NATS of `run` with no --nats
	st := memsync(t, nil, "status", "--json", d).want(t, 0)
	if !strings.Contains(st.stdout, `"running": true`) && !strings.Contains(st.stdout, `"running":true`) {
		t.Fatalf("status did not reach the running worker:\n%s", st.stdout)
	}
	// the process's memory, the embedded server's included, and the
	// limit --memory-limit set (issue 10 item 3)
	var live struct {
		Memory memstat.Memory `json:"memory"`
	}
	if err := json.Unmarshal([]byte(st.stdout), &live); err != nil {
		t.Fatal(err)
	}
	if m := live.Memory; !m.EmbeddedNATS || m.LimitBytes != 512<<20 || m.RSSBytes == 0 || m.GoTotalBytes == 0 || m.GoTotalBytes > m.LimitBytes {
		t.Fatalf("status memory %+v: want the embedded server, a 512 MiB limit and figures under it", m)
	}

	memsync(t, nil, "trigger", "--mode=incremental", "--target=changefeed", d).want(t, 0)
	memsync(t, nil, "dlq", "list", d).want(t, 0)

	// stop the worker: discovery files go, reads open the cache read-only
	run.Process.Signal(syscall.SIGTERM)
	if err := run.Wait(); err != nil {
		t.Fatalf("run exited with %v", err)
	}
	for _, f := range []string{"default.json", "nats.json"} {
		if _, err := os.Stat(filepath.Join(dir, "serve", f)); !os.IsNotExist(err) {
			t.Fatalf("%s left behind after a clean exit: %v", f, err)
		}
	}
	readJSON(t, &rr, 0, "recent", d, "--limit=1")
	var first struct {
		ID string `json:"episode_id"`
	}
	json.Unmarshal(rr.Episodes[0], &first)
	if rr.Freshness.ServedBy != "cache" || !rr.Freshness.Stale || first.ID != e.ID {
		t.Fatalf("offline recent: %+v first %s", rr.Freshness, first.ID)
	}
	readJSON(t, &sr, 0, "search", "zyxquorum", d)
	if sr.Hits[0].ID != e.ID {
		t.Fatalf("offline search: %v", hitIDs(sr))
	}
}

// Reads keep answering from the worker's socket while NATS and Turso are
// unreachable, and report themselves stale.
func TestReadsWhileNetworkIsDown(t *testing.T) {
	dir := t.TempDir()
	memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=50", "--seed=3").want(t, 0)
	memsync(t, nil, "run", "--once", "--data-dir="+dir).want(t, 0)
	_, logs := startMemsync(t, "worker", "--data-dir="+dir, "--nats=nats://127.0.0.1:1", "--turso=libsql://127.0.0.1:1", "--stale-after=1s")
	d := "--data-dir=" + dir
	eventually(t, 30*time.Second, "the worker to serve its cache", func() bool {
		var rr query.RecentResponse
		r := memsync(t, nil, "recent", "--json", d)
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &rr) == nil && rr.Freshness.ServedBy == "worker" && rr.Freshness.Stale
	})
	var sr query.SearchResponse
	readJSON(t, &sr, 0, "search", "flaky integration tests", d)
	var g query.GetResponse
	readJSON(t, &g, 0, "get", "episode", sr.Hits[0].ID, d)
	if g.Freshness.ServedBy != "worker" || !g.Freshness.Stale {
		t.Fatalf("freshness with NATS down: %+v", g.Freshness)
	}
	if bytes.Contains([]byte(logs.String()), []byte("panic")) {
		t.Fatalf("worker panicked:\n%s", logs.String())
	}
}

// A worker killed with SIGKILL leaves its discovery file behind: the read
// commands detect it as stale (dead pid), do not trust it, and answer from
// the cache opened read-only; a new worker serves again.
func TestStaleDiscoveryAfterKill(t *testing.T) {
	dir := t.TempDir()
	memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=40", "--seed=8").want(t, 0)
	memsync(t, nil, "run", "--once", "--data-dir="+dir).want(t, 0)
	d := "--data-dir=" + dir
	w, _ := startMemsync(t, "worker", d, "--nats=nats://127.0.0.1:1")
	var rr query.RecentResponse
	eventually(t, 30*time.Second, "the worker to serve", func() bool {
		r := memsync(t, nil, "recent", "--json", d)
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &rr) == nil && rr.Freshness.ServedBy == "worker"
	})
	if err := w.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	w.Wait()
	if _, err := os.Stat(filepath.Join(dir, "serve", "default.json")); err != nil {
		t.Fatalf("SIGKILL should leave the discovery file behind: %v", err)
	}
	readJSON(t, &rr, 0, "recent", d)
	if rr.Freshness.ServedBy != "cache" || len(rr.Episodes) != 10 {
		t.Fatalf("after SIGKILL: served by %q, %d episodes", rr.Freshness.ServedBy, len(rr.Episodes))
	}
	if _, err := os.Stat(filepath.Join(dir, "serve", "default.json")); !os.IsNotExist(err) {
		t.Fatalf("the stale discovery file was not removed: %v", err)
	}
	startMemsync(t, "worker", d, "--nats=nats://127.0.0.1:1")
	eventually(t, 30*time.Second, "a new worker to serve", func() bool {
		r := memsync(t, nil, "recent", "--json", d)
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &rr) == nil && rr.Freshness.ServedBy == "worker"
	})
}
