package cachestore

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/memsync/memsync/protocol"
)

// pebble v2.1.7 leaves its disk-health ticker running when Open fails on
// the directory lock (TestOpenTwiceIsLocked); everything else must stop.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/cockroachdb/pebble/v2/vfs.(*diskHealthCheckingFS).startTickerLocked.func1"))
}

var seedFlag = flag.Uint64("seed", 0, "seed for the randomized model test (0: a few fixed seeds)")

// latestLog is what a compacted stream offers a BodySource: the newest
// change of every entity. cachestore never imports NATS (the real source is
// the worker's direct get, exercised by the integration tests); this table
// plays that role here so the window logic can be driven through thousands of
// random states quickly.
type latestLog map[string]Change

func (l latestLog) Latest(_ context.Context, e protocol.Entity, id string) (Change, bool, error) {
	c, ok := l[pendingKey(e, id)]
	return c, ok, nil
}

func (l latestLog) record(c Change) { l[pendingKey(c.Entity, c.ID)] = c }

type failingSource struct{}

func (failingSource) Latest(context.Context, protocol.Entity, string) (Change, bool, error) {
	return Change{}, false, errors.New("stream unreachable")
}

func episode(id string, v uint64, start int64) Change {
	d, _ := json.Marshal(protocol.Episode{EpisodeID: id, StartTime: start, TaskDescription: fmt.Sprint("v", v)})
	return Change{Entity: protocol.EntityEpisode, Op: protocol.OpUpsert, ID: id, Version: v, Data: d}
}

func embedding(id string, v uint64, ownerKind protocol.Entity, owner string) Change {
	d, _ := json.Marshal(protocol.Embedding{EmbeddingID: id, ItemID: owner, ItemType: string(ownerKind), Dimension: 1,
		DType: protocol.DTypeF32LE, Vector: protocol.EncodeVector([]float32{float32(v)})})
	return Change{Entity: protocol.EntityEmbedding, Op: protocol.OpUpsert, ID: id, Version: v, Data: d}
}

func del(e protocol.Entity, id string, v uint64) Change {
	return Change{Entity: e, Op: protocol.OpDelete, ID: id, Version: v}
}

func open(t *testing.T, o *Options) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func apply(t *testing.T, s *Store, src BodySource, pos uint64, cs ...Change) ApplyStats {
	t.Helper()
	st, err := s.Apply(t.Context(), Batch{Changes: cs, Position: pos}, src)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestVersionedApply(t *testing.T) {
	cases := []struct {
		name    string
		changes []Change
		want    string // task description of ep, or "" for absent
		skipped int
	}{
		{"newer wins", []Change{episode("ep", 1, 10), episode("ep", 2, 10)}, "v2", 0},
		{"older ignored", []Change{episode("ep", 2, 10), episode("ep", 1, 10)}, "v2", 1},
		{"equal ignored", []Change{episode("ep", 2, 10), episode("ep", 2, 10)}, "v2", 1},
		{"tombstone blocks older upsert", []Change{episode("ep", 1, 10), del(protocol.EntityEpisode, "ep", 3), episode("ep", 2, 10)}, "", 1},
		{"newer upsert after delete", []Change{del(protocol.EntityEpisode, "ep", 3), episode("ep", 4, 10)}, "v4", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, &Options{})
			skipped := 0
			for i, c := range tc.changes { // one batch per change: durable between them
				skipped += apply(t, s, latestLog{}, uint64(i+1), c).Skipped
			}
			ep, _, err := s.Episode("ep")
			got := ""
			if err == nil {
				got = ep.TaskDescription
			} else if !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
			if got != tc.want || skipped != tc.skipped {
				t.Fatalf("got %q (skipped %d), want %q (skipped %d)", got, skipped, tc.want, tc.skipped)
			}
		})
	}
}

// A failed Apply leaves nothing behind: not the data, not the position.
func TestApplyIsAtomic(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 1})
	apply(t, s, latestLog{}, 1, episode("a", 1, 20), episode("b", 2, 10))
	before := s.State()
	// Deleting "a" needs "b"'s body from the source, which fails.
	_, err := s.Apply(t.Context(), Batch{Changes: []Change{del(protocol.EntityEpisode, "a", 3)}, Position: 2}, failingSource{})
	if err == nil {
		t.Fatal("apply with an unreachable source succeeded")
	}
	if s.State().Position != before.Position {
		t.Fatal("position moved on a failed apply")
	}
	if _, _, err := s.Episode("a"); err != nil {
		t.Fatalf("episode a lost after a failed apply: %v", err)
	}
}

func TestOpenTwiceIsLocked(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(dir, nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

// model is the plain-map truth the randomized test compares the cache with.
type model struct {
	episodes map[string]int64  // live episode -> start time
	embOwner map[string]string // live embedding -> owner episode
}

func (m *model) window(n int) []string {
	ids := make([]string, 0, len(m.episodes))
	for id := range m.episodes {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		if m.episodes[a] != m.episodes[b] {
			return int(m.episodes[b] - m.episodes[a])
		}
		return cmpStr(a, b)
	})
	return ids[:min(n, len(ids))]
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Random upserts, moves, deletes, duplicates and out-of-order redeliveries,
// in random batches: after every batch the cache holds exactly the N most
// recent live episodes and exactly the embeddings of cached owners.
// Replay a failure with: go test ./cachestore -run Model -seed=N
func TestRandomizedWindowModel(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5}
	if *seedFlag != 0 {
		seeds = []uint64{*seedFlag}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) { runModel(t, seed) })
	}
}

func runModel(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed))
	n := 1 + r.IntN(6)
	s := open(t, &Options{MaxEpisodes: n})
	log := latestLog{}
	m := &model{episodes: map[string]int64{}, embOwner: map[string]string{}}
	var history []Change
	version, pos := uint64(0), uint64(0)
	for step := range 150 {
		var batch []Change
		for range 1 + r.IntN(8) {
			version++
			c := randomChange(r, version, m)
			log.record(c)
			history = append(history, c)
			batch = append(batch, c)
			if r.IntN(4) == 0 && len(history) > 1 { // redeliver an old change
				batch = append(batch, history[r.IntN(len(history))])
			}
		}
		pos++
		if _, err := s.Apply(t.Context(), Batch{Changes: batch, Position: pos}, log); err != nil {
			t.Fatalf("seed %d step %d: %v", seed, step, err)
		}
		checkModel(t, s, m, n, seed, step)
	}
}

func randomChange(r *rand.Rand, v uint64, m *model) Change {
	id := fmt.Sprintf("e%d", r.IntN(20))
	switch k := r.IntN(10); {
	case k < 5:
		start := int64(r.IntN(30))
		m.episodes[id] = start
		return episode(id, v, start)
	case k < 7:
		delete(m.episodes, id)
		return del(protocol.EntityEpisode, id, v)
	case k < 9:
		emb := fmt.Sprintf("m%d", r.IntN(15))
		m.embOwner[emb] = id
		return embedding(emb, v, protocol.EntityEpisode, id)
	}
	emb := fmt.Sprintf("m%d", r.IntN(15))
	delete(m.embOwner, emb)
	return del(protocol.EntityEmbedding, emb, v)
}

func checkModel(t *testing.T, s *Store, m *model, n int, seed uint64, step int) {
	t.Helper()
	want := m.window(n)
	got, err := s.WindowIDs()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("seed %d step %d: window %v, want %v", seed, step, got, want)
	}
	inWindow := map[string]bool{}
	for _, id := range want {
		inWindow[id] = true
	}
	for emb, owner := range m.embOwner {
		ok, err := s.IsCached(protocol.EntityEmbedding, emb)
		if err != nil || ok != inWindow[owner] {
			t.Fatalf("seed %d step %d: embedding %s of %s cached=%v, owner in window=%v", seed, step, emb, owner, ok, inWindow[owner])
		}
	}
	c, _ := s.Counts()
	if c.Episodes != len(want) {
		t.Fatalf("seed %d step %d: %d episodes cached, want %d", seed, step, c.Episodes, len(want))
	}
	if st := s.State(); st.Count != len(want) {
		t.Fatalf("seed %d step %d: state count %d, want %d", seed, step, st.Count, len(want))
	}
}
