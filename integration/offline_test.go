package integration

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// INVARIANT 7: with NATS down the running worker's cache keeps serving
// reads; once Turso has changes the cache has not seen, status reports it
// stale with the lag in versions; with Turso unreachable too, status still
// answers from the cache and names the problem.
func TestCacheServesReadsWhileNATSDown(t *testing.T) {
	e, w := newEnvWriter(t, 51, 4)
	last := recentFirst(w.episodes(5))[0]
	dir := filepath.Join(t.TempDir(), "data")
	cacheDir := filepath.Join(dir, "cache", "default")
	c := e.openCache(cacheDir, cachestore.Options{MaxEpisodes: 1000}, fastWorker())
	stop := e.runBoth(e.changefeed(fast()), c)
	e.waitSynced(c)
	e.nats.Stop()
	w.episodes(3)
	time.Sleep(100 * time.Millisecond) // the worker is now retrying against a dead server
	if ep, _, err := c.store.Episode(last); err != nil || ep.EpisodeID != last {
		t.Fatalf("read while NATS is down: %v", err)
	}
	if recent, err := c.store.RecentEpisodes(10); err != nil || len(recent) != 5 {
		t.Fatalf("recent while NATS is down: %d %v", len(recent), err)
	}
	if embs, err := c.store.EmbeddingsOf(protocol.EntityEpisode, last); err != nil || len(embs) != 1 {
		t.Fatalf("embeddings while NATS is down: %d %v", len(embs), err)
	}
	stop()
	c.close(t)

	st := statusJSON(t, "--data-dir="+dir, "--turso=file:"+e.path)
	if st["stale"] != true || st["lag"].(float64) != 6 {
		t.Fatalf("status with unsynced Turso changes: %v", st)
	}
	st = statusJSON(t, "--data-dir="+dir, "--turso=libsql://127.0.0.1:1")
	if st["stale"] != true || st["last_error"] == "" || st["counts"].(map[string]any)["episodes"].(float64) != 5 {
		t.Fatalf("status with Turso unreachable: %v", st)
	}
}

func statusJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	r := memsync(t, nil, append([]string{"status", "--json"}, args...)...).want(t, 0)
	var st map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	return st
}
