package integration

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/worker"
)

// A Turso rebuild while the stream holds no checkpoint (never published, or
// purged and not yet refilled by the changefeed) gives a cache that keeps
// the window invariant once the stream is published and replayed: the
// window holds exactly MaxEpisodes episodes, and a delete still backfills.
func TestTursoRebuildWithoutCheckpoint(t *testing.T) {
	cases := []struct {
		name  string
		empty func(e *env, cf *changefeed.Changefeed)
	}{
		{"stream never published", func(e *env, _ *changefeed.Changefeed) {
			_, err := e.db.Install(e.t.Context())
			mustDo(e.t, err)
			_, err = changefeed.EnsureStreams(e.t.Context(), e.js, &changefeed.Options{Stream: "MEMSYNC", DLQStream: "MEMSYNC_DLQ"})
			mustDo(e.t, err)
		}},
		{"stream purged", func(e *env, cf *changefeed.Changefeed) {
			e.publishAll(cf)
			s, err := e.js.Stream(e.t.Context(), "MEMSYNC")
			mustDo(e.t, err)
			mustDo(e.t, s.Purge(e.t.Context()))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, w := newEnvWriter(t, 81, 4)
			ids := w.episodes(3)
			tc.empty(e, e.changefeed(changefeed.Options{}))
			opts := cachestore.Options{MaxEpisodes: 2}
			dir := filepath.Join(t.TempDir(), "cache")
			if _, err := rebuild.FromTurso(t.Context(), e.rebuildConfig(dir, opts), "test"); err != nil {
				t.Fatal(err)
			}
			cf := e.publishNew(changefeed.Options{})
			c := e.caughtUp(dir, opts, worker.Options{})
			wantEpisodes(t, c, 2)
			e.mustConsistent(c)
			w.del("episodes", ids[2].ID) // the newest: the oldest must be backfilled
			e.publishAll(cf)
			e.catchUp(c)
			wantEpisodes(t, c, 2)
			if _, ok := cachedEpisode(t, c, ids[0].ID); !ok {
				t.Fatal("the oldest episode was not backfilled after a delete in the window")
			}
			e.mustConsistent(c)
		})
	}
}

// Rows that no change log covers (memsync never installed in this database,
// yet a stream exists) cannot be stamped safely: the rebuild is refused.
func TestTursoRebuildOfUncapturedRowsIsRefused(t *testing.T) {
	e := newEnv(t)
	newWriter(t, e.db, 82, 4).episode()
	_, err := changefeed.EnsureStreams(t.Context(), e.js, &changefeed.Options{Stream: "MEMSYNC", DLQStream: "MEMSYNC_DLQ"})
	mustDo(t, err)
	dir := filepath.Join(t.TempDir(), "cache")
	if _, err := rebuild.FromTurso(t.Context(), e.rebuildConfig(dir, cachestore.Options{}), "test"); !errors.Is(err, rebuild.ErrNotCaptured) {
		t.Fatalf("rebuild of rows outside the change log: %v", err)
	}
}

func wantEpisodes(t *testing.T, c *cache, n int) {
	t.Helper()
	got, err := c.store.Counts()
	mustDo(t, err)
	if got.Episodes != n {
		t.Fatalf("%d episodes cached, want %d (window count %d)", got.Episodes, n, c.store.State().Count)
	}
}
