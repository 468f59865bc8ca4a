package integration

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// replaceDatabase deletes the libSQL file under e.path and creates a new
// database there: same path, new lineage (issue 8, 1a).
func (e *env) replaceDatabase() {
	e.t.Helper()
	e.reopen(func(path string) { removeDB(e.t, path) })
}

// A cache built from one database meets the stream of another one (the file
// was deleted and re-seeded at the same path): the worker stops with
// ErrLineageChanged, parks nothing, does not take the other database's
// cursor, and the supervisor rebuilds it into a cache consistent with the
// new database, from Turso or from the stream. A leftover message of the
// old database still in the stream is skipped by the stream rebuild.
func TestRecovery8LineageChangeRebuilds(t *testing.T) {
	for _, source := range []string{"turso", "stream"} {
		t.Run(source, func(t *testing.T) {
			e, w := newEnvWriter(t, 81, 4)
			old := w.episodes(12)
			e.publishNew(changefeed.Options{})
			opts := cachestore.Options{MaxEpisodes: 5}
			dir := e.builtCache(opts)
			oldLineage := e.lineageOf()

			e.replaceDatabase()
			e.publishLeftover(old[0], oldLineage)
			newWriter(t, e.db, 82, 4).episodes(7)
			e.publishNew(changefeed.Options{})

			c := e.openCache(dir, opts, worker.Options{})
			before := c.store.State()
			_, err := c.w.CatchUp(t.Context())
			if !errors.Is(err, worker.ErrLineageChanged) {
				t.Fatalf("a stream of another database: %v, want ErrLineageChanged", err)
			}
			if n := c.w.Stats().DeadLetters; n != 0 {
				t.Fatalf("lineage errors were dead-lettered: %d", n)
			}
			if after := c.store.State(); after.AppliedVersion != before.AppliedVersion || after.Lineage != before.Lineage {
				t.Fatalf("the other database's checkpoint moved the cache: %+v -> %+v", before, after)
			}
			c.close(t)
			cfg := e.rebuildConfig(dir, opts)
			if source == "stream" {
				cfg.DB = nil
			}
			e.superviseUntilConsistent(cfg, func(st *cachestore.Store) {
				if _, _, err := st.Episode(old[0].ID); err == nil {
					t.Fatalf("the old database's leftover %s is cached", old[0].ID)
				}
			})
			if aside, _ := filepath.Glob(dir + ".aside-*lineage*"); len(aside) != 1 {
				t.Fatalf("no rebuild for the lineage change: %v", aside)
			}
		})
	}
}

func (e *env) lineageOf() string {
	e.t.Helper()
	l, err := e.db.Lineage(e.t.Context())
	mustDo(e.t, err)
	return l
}

// publishLeftover puts a message of the old database after its last
// checkpoint, as a changefeed killed before it could drop the old history
// leaves it (the new database publishes after it).
func (e *env) publishLeftover(ep seed.Episode, lineage string) {
	e.t.Helper()
	row, err := protocol.MarshalRow(map[string]any{"episode_id": ep.ID, "start_time": ep.StartTime + 1000})
	mustDo(e.t, err)
	body, err := protocol.EncodeEnvelope(&protocol.Envelope{Schema: protocol.SchemaVersion, Entity: protocol.EntityEpisode,
		Op: protocol.OpUpsert, ID: ep.ID, Version: 9999, Lineage: lineage, Data: row})
	mustDo(e.t, err)
	subj, _ := protocol.EntitySubject("default", protocol.EntityEpisode, ep.ID)
	e.publishRaw(subj, body)
}

// A heartbeat of another database's changefeed says nothing about this
// cache's lag: its head is not taken, and the cache reports why it is stale.
func TestRecovery8ForeignHeartbeatIgnored(t *testing.T) {
	e, w := newEnvWriter(t, 89, 4)
	w.episodes(3)
	e.publishNew(changefeed.Options{})
	c := e.caughtUp("", cachestore.Options{MaxEpisodes: 0}, fastWorker())
	stop := inBackground(c.w.Run)
	defer func() { mustDo(t, stop()) }()
	hb, _ := json.Marshal(protocol.Heartbeat{Schema: protocol.SchemaVersion, Lineage: "another-database", Head: 1 << 40, AtMs: time.Now().UnixMilli()})
	nc := e.js.Conn()
	eventually(t, 10*time.Second, "the foreign heartbeat to be reported", func() bool {
		mustDo(t, nc.Publish(protocol.HeartbeatSubject("default"), hb))
		h := c.w.Health()
		if h.Head == 1<<40 {
			t.Fatalf("the worker took another database's head: %+v", h)
		}
		return strings.Contains(h.StaleReason, "another database")
	})
}

// The reproduction with the real binary: run --once, a new
// database at the same path, run --once again: it succeeds and validate is
// consistent against the new database.
func TestRecovery8RunOnceAfterNewDatabase(t *testing.T) {
	dir := t.TempDir()
	dd := "--data-dir=" + dir
	memsync(t, nil, "seed", dd, "--episodes=300", "--patterns=5", "--seed=3").want(t, 0)
	memsync(t, nil, "run", "--once", dd, "--max-episodes=50").want(t, 0)
	removeDB(t, filepath.Join(dir, "memory.db"))
	memsync(t, nil, "seed", dd, "--episodes=200", "--patterns=4", "--seed=4").want(t, 0)
	memsync(t, nil, "run", "--once", dd, "--max-episodes=50").want(t, 0)
	memsync(t, nil, "validate", dd, "--max-episodes=50").want(t, 0)
}
