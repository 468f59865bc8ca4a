package cachestore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// scanningLog is latestLog with the Scanner side: the newest change of
// every entity of a kind, as the worker reads the last message of every
// subject of the compacted stream.
type scanningLog struct {
	latestLog
	scans int
}

func (l *scanningLog) Scan(_ context.Context, e protocol.Entity, fn func(Change) error) error {
	l.scans++
	keys := make([]string, 0, len(l.latestLog))
	for k, c := range l.latestLog {
		if c.Entity == e {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := fn(l.latestLog[k]); err != nil {
			return err
		}
	}
	return nil
}

// The horizon (horizon.go) under the window model: more episodes than the
// window and its reserve, upserts that move a forgotten episode into the
// window (its embeddings must come back, by its list or, for a message
// without one, by a scan), deletes that empty the known part (the window
// must be refilled from the stream), redeliveries of old changes of
// forgotten entities, lagging checkpoints, reopening. After every batch:
// the window, the embeddings of cached owners, no orphans, no live catalog
// entry the model does not have. At the end, idle passes leave no more
// than the window plus the reserve known, and the run must have both
// forgotten and recalled. Replay with: go test ./cachestore -run HorizonModel -seed=N
func TestRandomizedHorizonModel(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, rand.Uint64()%1_000_000 + 5}
	if *seedFlag != 0 {
		seeds = []uint64{*seedFlag}
	}
	var forgotten, recalled int
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Logf("seed %d (replay with -seed=%d)", seed, seed)
			f, r := runHorizonModel(t, seed)
			forgotten, recalled = forgotten+f, recalled+r
		})
	}
	if *seedFlag == 0 && (forgotten == 0 || recalled == 0) {
		t.Fatalf("the runs forgot %d and recalled %d entries: the model did not exercise the horizon", forgotten, recalled)
	}
}

type horizonRun struct {
	t         *testing.T
	r         *rand.Rand
	seed      uint64
	dir       string
	opts      *Options
	s         *Store
	src       *scanningLog
	m         *model
	history   []Change
	version   uint64
	pos       uint64
	forgotten int
	recalled  int
}

func runHorizonModel(t *testing.T, seed uint64) (forgotten, recalled int) {
	r := rand.New(rand.NewPCG(seed, seed^0x51f1))
	h := &horizonRun{t: t, r: r, seed: seed, dir: t.TempDir(), src: &scanningLog{latestLog: latestLog{}},
		m:    &model{episodes: map[string]int64{}, embOwner: map[string]string{}},
		opts: &Options{MaxEpisodes: 1 + r.IntN(5), Reserve: 1 + r.IntN(4), GCBudget: 1 + r.IntN(6)}}
	h.reopen()
	defer func() { mustClose(t, h.s) }()
	for step := range 200 {
		h.step(step)
		if r.IntN(30) == 0 {
			h.reopen()
		}
	}
	// the changefeed lists embeddings (the last upsert may not have)
	h.version++
	last := episode("zz", h.version, 0)
	last.Listed = true
	h.m.episodes["zz"] = 0
	h.src.record(last)
	h.apply([]Change{last}, h.version)
	for range 60 {
		h.apply(nil, h.version)
	}
	limit := h.opts.MaxEpisodes + h.opts.Reserve
	if st := h.s.State(); st.Known > limit {
		t.Fatalf("seed %d: after idle passes %d episodes known, want <= %d", seed, st.Known, limit)
	}
	h.checkKnownEmbeddings()
	return h.forgotten, h.recalled
}

func (h *horizonRun) reopen() { h.s = reopenStore(h.t, h.s, h.dir, h.opts, h.seed) }

func (h *horizonRun) step(step int) {
	var batch []Change
	for range 1 + h.r.IntN(6) {
		h.version++
		c := h.change()
		h.src.record(c)
		h.history = append(h.history, c)
		batch = append(batch, c)
		if h.r.IntN(3) == 0 {
			batch = append(batch, h.history[h.r.IntN(len(h.history))])
		}
	}
	checkpoint := h.version
	if h.r.IntN(4) == 0 {
		checkpoint = 0
	}
	h.apply(batch, checkpoint)
	checkModel(h.t, h.s, h.m, h.opts.MaxEpisodes, h.seed, step)
	h.checkNothingResurrected(step)
}

// change draws one change over 40 episodes and 30 embeddings; an episode
// upsert lists the embeddings its owner has in the model (Turso's view in
// the same read), except now and then (a message without a list).
func (h *horizonRun) change() Change {
	r, v := h.r, h.version
	id := fmt.Sprintf("e%02d", r.IntN(40))
	switch k := r.IntN(20); {
	case k < 9:
		start := int64(r.IntN(200))
		h.m.episodes[id] = start
		c := episode(id, v, start)
		c.Listed = r.IntN(5) != 0
		for emb, owner := range h.m.embOwner {
			if owner == id && c.Listed {
				c.Embeddings = append(c.Embeddings, emb)
			}
		}
		return c
	case k < 12:
		delete(h.m.episodes, id)
		return del(protocol.EntityEpisode, id, v)
	case k < 18:
		emb := fmt.Sprintf("m%02d", r.IntN(30))
		h.m.embOwner[emb] = id
		return embedding(emb, v, protocol.EntityEpisode, id)
	}
	emb := fmt.Sprintf("m%02d", r.IntN(30))
	delete(h.m.embOwner, emb)
	return del(protocol.EntityEmbedding, emb, v)
}

func (h *horizonRun) apply(batch []Change, checkpoint uint64) {
	h.pos++
	st, err := h.s.Apply(h.t.Context(), Batch{Changes: batch, Checkpoint: checkpoint, Position: h.pos}, h.src)
	if err != nil {
		h.t.Fatalf("seed %d: apply: %v", h.seed, err)
	}
	h.forgotten += st.Forgotten
	h.recalled += st.Recalled
}

// checkNothingResurrected: every live catalog entry is live in the model
// (an embedding with the model's owner).
func (h *horizonRun) checkNothingResurrected(step int) {
	err := h.s.ScanCatalog(protocol.EntityEpisode, func(it Item) error {
		if _, ok := h.m.episodes[it.ID]; !it.Deleted && !ok {
			return fmt.Errorf("episode %s is live in the catalog, deleted in the model", it.ID)
		}
		return nil
	})
	if err == nil {
		err = h.s.ScanCatalog(protocol.EntityEmbedding, func(it Item) error {
			if owner, ok := h.m.embOwner[it.ID]; !it.Deleted && (!ok || owner != it.OwnerID) {
				return fmt.Errorf("embedding %s of %s is live in the catalog; the model has owner %q (live %v)", it.ID, it.OwnerID, owner, ok)
			}
			return nil
		})
	}
	if err != nil {
		h.t.Fatalf("seed %d step %d: %v", h.seed, step, err)
	}
}

// checkKnownEmbeddings: after idle passes the catalog knows an embedding
// only if it knows its owner live.
func (h *horizonRun) checkKnownEmbeddings() {
	known := map[string]bool{}
	err := h.s.ScanCatalog(protocol.EntityEpisode, func(it Item) error {
		known[it.ID] = !it.Deleted
		return nil
	})
	if err == nil {
		err = h.s.ScanCatalog(protocol.EntityEmbedding, func(it Item) error {
			if !it.Deleted && !known[it.OwnerID] {
				return fmt.Errorf("embedding %s of %s still known after idle passes; its owner is not", it.ID, it.OwnerID)
			}
			return nil
		})
	}
	if err != nil {
		h.t.Fatalf("seed %d: %v", h.seed, err)
	}
}
