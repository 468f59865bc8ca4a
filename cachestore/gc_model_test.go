package cachestore

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// The window model of store_test.go with what item 6 and item 8 of issue 9
// added: publisher checkpoints (sometimes lagging, sometimes absent), a
// small collector budget so passes span many batches, redeliveries of any
// old change (also of collected entities), reopening the cache between
// batches. After every batch: the window and orphan checks, the catalog's
// live entities equal the model's (nothing resurrected), the floor never
// exceeds the applied checkpoint, and an entity cached at the start of a
// batch whose version did not change was never fetched from the source.
// At the end, full passes leave no tombstone at or below the floor.
// Replay a failure with: go test ./cachestore -run GCModel -seed=N
func TestRandomizedGCModel(t *testing.T) {
	seeds := []uint64{1, 2, 3, rand.Uint64()%1_000_000 + 4}
	if *seedFlag != 0 {
		seeds = []uint64{*seedFlag}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Logf("seed %d (replay with -seed=%d)", seed, seed)
			runGCModel(t, seed)
		})
	}
}

type gcModelRun struct {
	t       *testing.T
	r       *rand.Rand
	seed    uint64
	dir     string
	opts    *Options
	s       *Store
	src     *countingSource
	m       *model
	history []Change
	version uint64
	pos     uint64
	lagging bool // no checkpoints for a while
}

func runGCModel(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e37))
	g := &gcModelRun{t: t, r: r, seed: seed, dir: t.TempDir(), src: &countingSource{log: latestLog{}},
		m:    &model{episodes: map[string]int64{}, embOwner: map[string]string{}},
		opts: &Options{MaxEpisodes: 1 + r.IntN(6), GCBudget: 1 + r.IntN(8)}}
	g.reopen()
	defer func() { mustClose(t, g.s) }()
	for step := range 150 {
		g.step(step)
		if r.IntN(25) == 0 {
			g.reopen()
		}
	}
	for range 100 { // idle checkpoints: passes complete
		g.apply(nil, g.version)
	}
	floor := g.s.State().Floor
	if keys := countKeys(t, g.s); keys["tombstones"] != 0 || floor != g.version {
		t.Fatalf("seed %d: after idle passes floor %d (want %d), keys %v", seed, floor, g.version, keys)
	}
}

func (g *gcModelRun) reopen() { g.s = reopenStore(g.t, g.s, g.dir, g.opts, g.seed) }

// reopenStore closes s (if open) and opens dir again, as a restarted
// worker does between two batches of a model run.
func reopenStore(t *testing.T, s *Store, dir string, opts *Options, seed uint64) *Store {
	t.Helper()
	if s != nil {
		mustClose(t, s)
	}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("seed %d: reopen: %v", seed, err)
	}
	return s
}

func (g *gcModelRun) step(step int) {
	var batch []Change
	first := g.version + 1
	for range 1 + g.r.IntN(8) {
		g.version++
		c := randomChange(g.r, g.version, g.m)
		g.src.log.record(c)
		g.history = append(g.history, c)
		batch = append(batch, c)
		if g.r.IntN(3) == 0 { // redeliver an old change, often a recent one
			batch = append(batch, g.redelivery())
		}
	}
	// The changefeed's checkpoint ends each of its batches; a worker batch
	// may end before it (none), or carry one from the middle (the tail of
	// one publisher batch, the head of the next).
	// Stretches without checkpoints keep tombstones above the floor.
	if g.r.IntN(6) == 0 {
		g.lagging = !g.lagging
	}
	checkpoint := g.version
	switch {
	case g.lagging || g.r.IntN(4) == 0:
		checkpoint = 0
	case g.r.IntN(3) == 0:
		checkpoint = first + g.r.Uint64N(g.version-first+1)
	}
	before := g.cachedVersions()
	g.src.calls = nil
	g.apply(batch, checkpoint)
	checkModel(g.t, g.s, g.m, g.opts.MaxEpisodes, g.seed, step)
	g.checkCatalog(step)
	g.checkNoRefetch(step, before)
}

// redelivery picks an old change: half of the time among the last few
// (an unacknowledged batch), otherwise from the whole history.
func (g *gcModelRun) redelivery() Change {
	n := len(g.history)
	if g.r.IntN(2) == 0 {
		return g.history[n-1-g.r.IntN(min(n, 24))]
	}
	return g.history[g.r.IntN(n)]
}

func (g *gcModelRun) apply(batch []Change, checkpoint uint64) {
	g.pos++
	if _, err := g.s.Apply(g.t.Context(), Batch{Changes: batch, Checkpoint: checkpoint, Position: g.pos}, g.src); err != nil {
		g.t.Fatalf("seed %d: apply: %v", g.seed, err)
	}
	if st := g.s.State(); st.Floor > st.AppliedVersion {
		g.t.Fatalf("seed %d: floor %d above the applied checkpoint %d", g.seed, st.Floor, st.AppliedVersion)
	}
}

// cachedVersions maps every cached entity to its version.
func (g *gcModelRun) cachedVersions() map[string]uint64 {
	out := map[string]uint64{}
	for _, e := range []protocol.Entity{protocol.EntityEpisode, protocol.EntityEmbedding} {
		err := g.s.ScanCatalog(e, func(it Item) error {
			if it.Data != nil {
				out[pendingKey(e, it.ID)] = it.Version
			}
			return nil
		})
		if err != nil {
			g.t.Fatal(err)
		}
	}
	return out
}

// checkCatalog: the catalog's live entities are exactly the model's.
func (g *gcModelRun) checkCatalog(step int) {
	live := map[string]bool{}
	for _, e := range []protocol.Entity{protocol.EntityEpisode, protocol.EntityEmbedding} {
		err := g.s.ScanCatalog(e, func(it Item) error {
			if !it.Deleted {
				live[pendingKey(e, it.ID)] = true
			}
			return nil
		})
		if err != nil {
			g.t.Fatal(err)
		}
	}
	want := len(g.m.episodes) + len(g.m.embOwner)
	for id := range g.m.episodes {
		if !live[pendingKey(protocol.EntityEpisode, id)] {
			g.t.Fatalf("seed %d step %d: live episode %s missing from the catalog", g.seed, step, id)
		}
	}
	for id := range g.m.embOwner {
		if !live[pendingKey(protocol.EntityEmbedding, id)] {
			g.t.Fatalf("seed %d step %d: live embedding %s missing from the catalog", g.seed, step, id)
		}
	}
	if len(live) != want {
		g.t.Fatalf("seed %d step %d: %d live catalog entries, model has %d (resurrected?)", g.seed, step, len(live), want)
	}
}

// checkNoRefetch: an entity cached before the batch, at the same version
// after it, was never asked of the source (item 8).
func (g *gcModelRun) checkNoRefetch(step int, before map[string]uint64) {
	after := g.cachedVersions()
	for _, k := range g.src.calls {
		if v, ok := before[k]; ok && after[k] == v {
			g.t.Fatalf("seed %d step %d: %s v%d was cached and unchanged, yet fetched (calls %q)", g.seed, step, k, v, g.src.calls)
		}
	}
}
