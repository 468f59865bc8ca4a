package integration

import (
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/worker"
)

// Validation reports a tampered cache as diverged and unsynced Turso
// changes as stale; a caught-up intact cache is consistent.
func TestValidateDetectsTamperingAndStaleness(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, db *pebble.DB, ep, pat string)
	}{
		{"episode removed", func(t *testing.T, db *pebble.DB, ep, _ string) { mustDo(t, db.Delete([]byte("d/e/"+ep), pebble.Sync)) }},
		{"episode altered", func(t *testing.T, db *pebble.DB, ep, _ string) {
			mustDo(t, db.Set([]byte("d/e/"+ep), []byte(`{"episode_id":"`+ep+`","start_time":1}`), pebble.Sync))
		}},
		{"pattern altered", func(t *testing.T, db *pebble.DB, _, pat string) {
			mustDo(t, db.Set([]byte("d/p/"+pat), []byte(`{"pattern_id":"`+pat+`"}`), pebble.Sync))
		}},
		{"extra entity", func(t *testing.T, db *pebble.DB, _, _ string) {
			mustDo(t, db.Set([]byte("c/p/ghost"), make([]byte, 18), pebble.Sync))
			mustDo(t, db.Set([]byte("d/p/ghost"), []byte(`{}`), pebble.Sync))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, w := newEnvWriter(t, 41, 4)
			pat := w.pattern()
			ep := recentFirst(w.episodes(6))[0]
			e.publishNew(changefeed.Options{})
			opts := cachestore.Options{MaxEpisodes: 4}
			c := e.caughtUp("", opts, worker.Options{})
			e.mustConsistent(c)
			c.close(t)
			tamper(t, c.dir, func(db *pebble.DB) { tc.damage(t, db, ep, pat.ID) })
			c2 := e.openCache(c.dir, opts, worker.Options{})
			r := e.validate(c2)
			if r.Consistent || r.Diverged == 0 || r.Stale != 0 {
				t.Fatalf("tampered cache: %+v", r)
			}
		})
	}
	t.Run("stale", func(t *testing.T) {
		e, w := newEnvWriter(t, 42, 4)
		w.episode()
		cf := e.publishNew(changefeed.Options{})
		c := e.caughtUp("", cachestore.Options{MaxEpisodes: 4}, worker.Options{})
		e.mustConsistent(c)
		w.episode() // not yet synced
		r := e.validate(c)
		if r.Consistent || r.Stale == 0 || r.Diverged != 0 {
			t.Fatalf("unsynced change: %+v", r)
		}
		e.publishAll(cf)
		e.catchUp(c)
		e.mustConsistent(c)
	})
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
