package integration

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/worker"
)

// Item 6b of issue 9: real rebuilds keep at most Keep old caches and at most
// Bytes of them, the newest first; the live cache is the rebuilt one.
func TestGrowth9KeepAsideBudget(t *testing.T) {
	cases := []struct {
		name     string
		budget   *rebuild.AsideBudget
		kept     int  // old caches left after three rebuilds
		lastKept bool // whether the last rebuild's Result.Aside survives
	}{
		{"default keeps one", nil, 1, true},
		{"keep two", &rebuild.AsideBudget{Keep: 2, Bytes: 1 << 40}, 2, true},
		{"bytes below one cache", &rebuild.AsideBudget{Keep: 3, Bytes: 1}, 0, false},
		{"keep none", &rebuild.AsideBudget{Keep: 0, Bytes: 1 << 40}, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, w := newEnvWriter(t, 92, 8)
			cf := e.changefeed(changefeed.Options{})
			opts := cachestore.Options{MaxEpisodes: 5}
			w.episodes(10)
			e.publishAll(cf)
			dir := e.builtCache(opts)
			var last rebuild.Result
			for i, source := range []string{"turso", "stream", "turso"} {
				cfg := e.rebuildConfig(dir, opts)
				cfg.Aside = tc.budget
				res, err := rebuild.Run(t.Context(), cfg, source, "growth9")
				if err != nil {
					t.Fatalf("rebuild %d from %s: %v", i, source, err)
				}
				last = res
			}
			aside, _ := filepath.Glob(dir + ".aside-*")
			if len(aside) != tc.kept || (last.Aside != "") != tc.lastKept || (tc.lastKept && !slices.Contains(aside, last.Aside)) {
				t.Fatalf("kept %v (last rebuild reported %q), want %d kept, last kept %v", aside, last.Aside, tc.kept, tc.lastKept)
			}
			c := e.caughtUp(dir, opts, worker.Options{})
			e.mustConsistent(c)
			c.close(t)
		})
	}
}
