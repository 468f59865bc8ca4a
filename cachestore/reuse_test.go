package cachestore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// countingSource is a latestLog that records every Latest call (a NATS
// round trip in the worker).
type countingSource struct {
	log   latestLog
	mu    sync.Mutex
	calls []string // "<entity>/<id>"
}

func (c *countingSource) Latest(ctx context.Context, e protocol.Entity, id string) (Change, bool, error) {
	c.mu.Lock()
	c.calls = append(c.calls, pendingKey(e, id))
	c.mu.Unlock()
	return c.log.Latest(ctx, e, id)
}

func (c *countingSource) apply(t *testing.T, s *Store, pos uint64, cs ...Change) {
	t.Helper()
	for _, ch := range cs {
		c.log.record(ch)
	}
	apply(t, s, c, pos, cs...)
}

// Item 8 of issue 9: an update that keeps an owner cached keeps its
// embeddings without asking the BodySource; an update that pushes it out
// drops them (no orphans), and one that brings it back in the same batch
// re-admits them from what the batch dropped.
func TestUpdateOfCachedOwnerFetchesNothing(t *testing.T) {
	ep := protocol.EntityEpisode
	cases := []struct {
		name      string
		batch     []Change // applied after the setup below
		window    []string
		cachedEmb []string
		calls     []string // Latest calls the batch may make
	}{
		{"update in place", []Change{episode("a", 10, 20)}, []string{"a", "b"}, []string{"ma1", "ma2", "mb"}, nil},
		{"update that moves inside the window", []Change{episode("a", 10, 15)}, []string{"a", "b"}, []string{"ma1", "ma2", "mb"}, nil},
		{"update and embedding update", []Change{episode("a", 10, 20), embedding("ma1", 11, ep, "a")}, []string{"a", "b"}, []string{"ma1", "ma2", "mb"}, nil},
		{"update that pushes the owner out", []Change{episode("a", 10, 1)}, []string{"b", "c"}, []string{"mb", "mc"},
			[]string{"episode/c", "embedding/mc"}},
		{"out and back in within the batch", []Change{episode("a", 10, 1), episode("a", 11, 30)}, []string{"a", "b"}, []string{"ma1", "ma2", "mb"}, nil},
		{"evicted then re-admitted after a delete", []Change{episode("n", 10, 40), del(ep, "a", 11)}, []string{"n", "b"}, []string{"mb"}, nil},
		{"deleted owner", []Change{del(ep, "a", 10)}, []string{"b", "c"}, []string{"mb", "mc"}, []string{"episode/c", "embedding/mc"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, &Options{MaxEpisodes: 2})
			src := &countingSource{log: latestLog{}}
			src.apply(t, s, 1, episode("a", 1, 20), episode("b", 2, 10), episode("c", 3, 5),
				embedding("ma1", 4, ep, "a"), embedding("ma2", 5, ep, "a"), embedding("mb", 6, ep, "b"), embedding("mc", 7, ep, "c"))
			src.calls = nil
			src.apply(t, s, 2, tc.batch...)
			if !slices.Equal(src.calls, tc.calls) {
				t.Fatalf("BodySource calls %q, want %q", src.calls, tc.calls)
			}
			checkCached(t, s, tc.window, tc.cachedEmb)
		})
	}
}

// checkCached compares the window and the cached embeddings with what is
// expected (and so finds orphans: cached embeddings of uncached owners).
func checkCached(t *testing.T, s *Store, window, embs []string) {
	t.Helper()
	got, err := s.WindowIDs()
	if err != nil || !slices.Equal(got, window) {
		t.Fatalf("window %v (%v), want %v", got, err, window)
	}
	var cached []string
	err = s.View(func(v *View) error {
		return v.ScanData(protocol.EntityEmbedding, func(id string, _ []byte) error {
			cached = append(cached, id)
			return nil
		})
	})
	if err != nil || !slices.Equal(cached, embs) {
		t.Fatalf("cached embeddings %v (%v), want %v", cached, err, embs)
	}
	for _, id := range embs { // the re-admitted body is the one of the catalog's version
		e, v, err := s.Embedding(id)
		if err != nil || fmt.Sprint(e.Vector) != fmt.Sprint(protocol.EncodeVector([]float32{float32(v)})) {
			t.Fatalf("embedding %s v%d: %v %v", id, v, e, err)
		}
	}
}

// A NATS hiccup no longer fails an update of a cached owner: nothing of it
// needs the BodySource.
func TestUpdateOfCachedOwnerSurvivesUnreachableSource(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 2})
	src := &countingSource{log: latestLog{}}
	src.apply(t, s, 1, episode("a", 1, 20), episode("b", 2, 10), embedding("ma", 3, protocol.EntityEpisode, "a"))
	if _, err := s.Apply(t.Context(), Batch{Changes: []Change{episode("a", 4, 20)}, Position: 2}, failingSource{}); err != nil {
		t.Fatalf("update of a cached episode with the stream unreachable: %v", err)
	}
	checkCached(t, s, []string{"a", "b"}, []string{"ma"})
}

// A body is re-used from the committed store only for exactly the version
// its catalog entry holds (INVARIANT 4/6): asked for another version, or
// for an entity that is not live, committedBody has nothing. Apply never
// asks it for another version today (the batch's own change comes first);
// the check is what keeps a later caller from re-admitting a stale body.
func TestCommittedBodyOnlyForItsVersion(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 10})
	applyCP(t, s, latestLog{}, 1, 2, episode("a", 2, 1), episode("b", 1, 2))
	applyCP(t, s, latestLog{}, 2, 3, del(protocol.EntityEpisode, "b", 3))
	a := &applier{s: s}
	for _, c := range []struct {
		id      string
		version uint64
		want    bool
	}{
		{"a", 2, true},
		{"a", 1, false}, // an older version
		{"a", 3, false}, // a newer one
		{"b", 1, false}, // deleted since
		{"c", 1, false}, // never known
	} {
		data, err := a.committedBody(kindEpisode, c.id, c.version)
		if err != nil {
			t.Fatal(err)
		}
		if got := data != nil; got != c.want {
			t.Errorf("committedBody(%s, v%d) = %q, want a body: %v", c.id, c.version, data, c.want)
		}
	}
}
