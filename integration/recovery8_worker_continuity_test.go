package integration

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/worker"
)

// A worker stopped while in-window episodes were deleted, the change log
// pruned and the stream purged must not resume silently past the purged
// deletes: its consumer would start below the stream's first sequence. It
// rebuilds (from Turso when it has it, else from the re-snapshotted stream)
// and the deleted episodes are gone.
func TestRecovery8PurgeBehindStoppedWorker(t *testing.T) {
	for _, source := range []string{"turso", "stream"} {
		t.Run(source, func(t *testing.T) {
			e, w := newEnvWriter(t, 83, 4)
			eps := w.episodes(60)
			cf := e.publishNew(changefeed.Options{})
			opts := cachestore.Options{MaxEpisodes: 30}
			dir := e.builtCache(opts) // the worker stops here
			e.deleteBehindPurge(w, cf, eps[40:])
			cfg := e.rebuildConfig(dir, opts)
			if source == "stream" {
				cfg.DB = nil
			}
			e.superviseUntilConsistent(cfg, notCached(t, eps[40:]))
		})
	}
}

// The same while the worker runs but lags behind: after its first batch,
// in-window episodes are deleted, the log pruned and the stream purged
// before it fetches the rest. The server moves its consumer past the purge;
// the worker notices the gap and stops for a rebuild instead of skipping
// the deletes.
func TestRecovery8PurgeWhileWorkerLags(t *testing.T) {
	e, w := newEnvWriter(t, 90, 4)
	eps := w.episodes(40)
	cf := e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 30}
	dir := filepath.Join(t.TempDir(), "cache")
	purged := false
	c := e.openCache(dir, opts, worker.Options{BatchSize: 8, OnBatch: func(int, time.Duration) {
		if purged {
			return
		}
		purged = true
		e.deleteBehindPurge(w, cf, eps[30:])
	}})
	if _, err := c.w.CatchUp(t.Context()); !errors.Is(err, worker.ErrStreamReplaced) {
		t.Fatalf("a purge past a lagging worker: %v, want ErrStreamReplaced", err)
	}
	c.close(t)
	e.superviseUntilConsistent(e.rebuildConfig(dir, opts), notCached(t, eps[30:]))
}

// deleteBehindPurge deletes episodes in Turso, publishes the deletes with
// cf, prunes the change log up to cf's cursor and purges the stream: the
// deletes are then in neither. A new changefeed re-snapshots Turso into the
// stream.
func (e *env) deleteBehindPurge(w *writer, cf *changefeed.Changefeed, deleted []seed.Episode) {
	e.t.Helper()
	for _, ep := range deleted {
		w.del("episodes", ep.ID)
	}
	e.publishAll(cf)
	_, err := e.db.Prune(e.t.Context(), cf.Cursor())
	mustDo(e.t, err)
	s, _ := e.js.Stream(e.t.Context(), "MEMSYNC")
	mustDo(e.t, s.Purge(e.t.Context()))
	e.publishNew(changefeed.Options{})
}

// notCached checks that none of the deleted episodes is in the cache.
func notCached(t *testing.T, deleted []seed.Episode) func(*cachestore.Store) {
	return func(st *cachestore.Store) {
		t.Helper()
		for _, ep := range deleted {
			if _, _, err := st.Episode(ep.ID); err == nil {
				t.Fatalf("deleted episode %s still cached", ep.ID)
			}
		}
	}
}

// copyDir copies a stopped server's store (cp -a keeps the files as they are).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	mustDo(t, os.RemoveAll(to))
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
}

// A JetStream store rolled back (a power loss lost what was not yet synced)
// and then refilled by the changefeed past the worker's old position: the
// worker must not skip the refilled sequences at or below its position,
// which carry changes it never saw (here: two deletes).
func TestRecovery8RollbackRefilledPastPosition(t *testing.T) {
	store := filepath.Join(t.TempDir(), "nats")
	n := testenv.StartNATSWith(t, func(o *server.Options) { o.StoreDir = store })
	_, js := n.Connect(t)
	db, path := testenv.Turso(t)
	e := &env{t: t, db: db, path: path, nats: n, js: js}
	w := newWriter(t, e.db, 84, 4)
	w.episodes(10)
	e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 0}
	dir := e.builtCache(opts)
	snapshot := filepath.Join(t.TempDir(), "synced")
	n.Stop()
	copyDir(t, store, snapshot) // what had reached the disk
	n.Restart()
	later := w.episodes(5)
	e.publishNew(changefeed.Options{})
	e.caughtUp(dir, opts, worker.Options{}).close(t) // applied, acknowledged, then lost by the server
	n.Stop()
	copyDir(t, snapshot, store)
	n.Restart()
	w.del("episodes", later[1].ID)
	w.del("episodes", later[2].ID)
	w.episodes(3) // the refill goes past the worker's old position
	e.publishNew(changefeed.Options{})
	e.superviseUntilConsistent(e.rebuildConfig(dir, opts), notCached(t, later[1:3]))
}
