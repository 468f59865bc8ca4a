package integration

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/validate"
	"github.com/memsync/memsync/worker"
)

// superviseCfgUntilConsistent runs rebuild.Supervise with cfg until the cache
// it holds validates consistent at the Turso head (validated with e.db even
// when cfg has no Turso access).
func (e *env) superviseCfgUntilConsistent(cfg rebuild.Config) *cachestore.Store {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stores := make(chan *cachestore.Store, 8)
	errc := make(chan error, 1)
	go func() {
		errc <- rebuild.Supervise(ctx, cfg, func(s *cachestore.Store, _ *worker.Worker) { stores <- s })
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			e.t.Fatalf("supervise: %v", err)
		}
	}()
	var s *cachestore.Store
	var last *validate.Report
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for drained := false; !drained; {
			select {
			case s = <-stores:
			default:
				drained = true
			}
		}
		if s != nil {
			r, err := validate.Run(e.t.Context(), e.db, s, nil)
			if err == nil && r.Consistent && r.AppliedVersion == r.TursoHeadVersion {
				return s
			}
			last = r
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("the supervised cache never became consistent: %+v", last)
	return nil
}

// A worker stopped while in-window episodes were deleted, the change log
// pruned and the stream purged must not resume silently past the purged
// deletes: its consumer would start below the stream's first sequence. It
// rebuilds (from Turso when it has it, else from the re-snapshotted stream)
// and the deleted episodes are gone.
func TestRecovery8PurgeBehindStoppedWorker(t *testing.T) {
	for _, source := range []string{"turso", "stream"} {
		t.Run(source, func(t *testing.T) {
			e := newEnv(t)
			w := newWriter(t, e.db, 83, 4)
			var eps []seed.Episode
			for range 60 {
				eps = append(eps, w.episode())
			}
			cf := e.changefeed(changefeed.Options{})
			e.publishAll(cf)
			opts := cachestore.Options{MaxEpisodes: 30}
			dir := e.builtCache(opts) // the worker stops here
			for _, ep := range eps[40:] {
				w.del("episodes", ep.ID)
			}
			e.publishAll(cf)
			_, err := e.db.Prune(t.Context(), cf.Cursor())
			mustDo(t, err)
			s, _ := e.js.Stream(t.Context(), "MEMSYNC")
			mustDo(t, s.Purge(t.Context()))
			e.publishAll(e.changefeed(changefeed.Options{})) // re-snapshots Turso
			cfg := e.rebuildConfig(dir, opts)
			if source == "stream" {
				cfg.DB = nil
			}
			st := e.superviseCfgUntilConsistent(cfg)
			for _, ep := range eps[40:] {
				if _, _, err := st.Episode(ep.ID); err == nil {
					t.Fatalf("deleted episode %s still cached", ep.ID)
				}
			}
		})
	}
}

// The same while the worker runs but lags behind: after its first batch,
// in-window episodes are deleted, the log pruned and the stream purged
// before it fetches the rest. The server moves its consumer past the purge;
// the worker notices the gap and stops for a rebuild instead of skipping
// the deletes.
func TestRecovery8PurgeWhileWorkerLags(t *testing.T) {
	e := newEnv(t)
	w := newWriter(t, e.db, 90, 4)
	var eps []seed.Episode
	for range 40 {
		eps = append(eps, w.episode())
	}
	cf := e.changefeed(changefeed.Options{})
	e.publishAll(cf)
	opts := cachestore.Options{MaxEpisodes: 30}
	dir := filepath.Join(t.TempDir(), "cache")
	purged := false
	c := e.openCache(dir, opts, worker.Options{BatchSize: 8, OnBatch: func(int, time.Duration) {
		if purged {
			return
		}
		purged = true
		for _, ep := range eps[30:] {
			w.del("episodes", ep.ID)
		}
		e.publishAll(cf)
		_, err := e.db.Prune(t.Context(), cf.Cursor())
		mustDo(t, err)
		s, _ := e.js.Stream(t.Context(), "MEMSYNC")
		mustDo(t, s.Purge(t.Context()))
		e.publishAll(e.changefeed(changefeed.Options{}))
	}})
	if _, err := c.w.CatchUp(t.Context()); !errors.Is(err, worker.ErrStreamReplaced) {
		t.Fatalf("a purge past a lagging worker: %v, want ErrStreamReplaced", err)
	}
	c.close(t)
	st := e.superviseCfgUntilConsistent(e.rebuildConfig(dir, opts))
	for _, ep := range eps[30:] {
		if _, _, err := st.Episode(ep.ID); err == nil {
			t.Fatalf("deleted episode %s still cached", ep.ID)
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
	for range 10 {
		w.episode()
	}
	e.publishAll(e.changefeed(changefeed.Options{}))
	opts := cachestore.Options{MaxEpisodes: 0}
	dir := e.builtCache(opts)
	snapshot := filepath.Join(t.TempDir(), "synced")
	n.Stop()
	copyDir(t, store, snapshot) // what had reached the disk
	n.Restart()
	var later []seed.Episode
	for range 5 {
		later = append(later, w.episode())
	}
	e.publishAll(e.changefeed(changefeed.Options{}))
	c := e.openCache(dir, opts, worker.Options{})
	e.catchUp(c) // applied, acknowledged, then lost by the server
	c.close(t)
	n.Stop()
	copyDir(t, snapshot, store)
	n.Restart()
	w.del("episodes", later[1].ID)
	w.del("episodes", later[2].ID)
	for range 3 { // the refill goes past the worker's old position
		w.episode()
	}
	e.publishAll(e.changefeed(changefeed.Options{}))
	st := e.superviseCfgUntilConsistent(e.rebuildConfig(dir, opts))
	for _, ep := range later[1:3] {
		if _, _, err := st.Episode(ep.ID); err == nil {
			t.Fatalf("deleted episode %s still cached", ep.ID)
		}
	}
}
