package cachestore

import (
	"fmt"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// The owner filter never says "nothing" for an owner it was given, and
// does filter the others (a filter that always says "maybe" would pass
// the first half and save nothing).
func TestOwnerFilterNoFalseNegatives(t *testing.T) {
	f := newOwnerFilter()
	const n = 100_000
	for i := range n {
		f.add(ownerPrefix(kindEpisode, fmt.Sprintf("ep-%d", i)))
	}
	for i := range n {
		if p := ownerPrefix(kindEpisode, fmt.Sprintf("ep-%d", i)); !f.mayHave(p) {
			t.Fatalf("owner %q added, mayHave false", p)
		}
	}
	fp := 0
	for i := range n {
		if f.mayHave(ownerPrefix(kindEpisode, fmt.Sprintf("other-%d", i))) {
			fp++
		}
	}
	if fp > n/100 {
		t.Fatalf("%d false positives in %d (over 1%%)", fp, n)
	}
	if f.mayHave(ownerPrefix(kindPattern, "ep-1")) && f.mayHave(ownerPrefix(kindPattern, "ep-2")) && f.mayHave(ownerPrefix(kindPattern, "ep-3")) {
		t.Fatal("another owner kind with the same ids passes the filter")
	}
}

// An embedding that arrived before its owner is admitted when the owner
// arrives, across a restart: the filter of the reopened cache is filled
// from the owner index on disk (INVARIANT (owner filter)). Fails if Open
// starts with an empty filter. And ownerPrefixLen inverts ownerPrefix.
func TestOwnerFilterFilledOnOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, &Options{MaxEpisodes: 10})
	if err != nil {
		t.Fatal(err)
	}
	src := latestLog{}
	emb := embedding("m", 1, protocol.EntityEpisode, "x")
	src.record(emb)
	apply(t, s, src, 1, emb)
	if ok, err := s.IsCached(protocol.EntityEmbedding, "m"); ok || err != nil {
		t.Fatalf("embedding of an unknown owner cached %v (%v)", ok, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, &Options{MaxEpisodes: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	apply(t, s, src, 2, episode("x", 2, 5))
	if ok, err := s.IsCached(protocol.EntityEmbedding, "m"); !ok || err != nil {
		t.Fatalf("the owner arrived after a restart: its earlier embedding cached %v (%v), want true", ok, err)
	}
	for _, id := range []string{"", "x", string(make([]byte, 300))} {
		k := ownerKey(kindEpisode, id, "emb")
		if n := ownerPrefixLen(k); string(k[:n]) != string(ownerPrefix(kindEpisode, id)) {
			t.Errorf("ownerPrefixLen(%q) = %d", k, n)
		}
	}
	if ownerPrefixLen([]byte("o/e\xff\xff")) != 0 {
		t.Error("a key too short for its length field has a prefix")
	}
}

// The same for an embedding a Turso snapshot loaded without its owner
// (Loader): a later Apply of the owner admits it. Fails if the Loader
// writes owner-index entries without noting their owners.
func TestOwnerFilterSeesTheLoader(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 10})
	src := latestLog{}
	emb := embedding("m", 3, protocol.EntityEpisode, "x")
	src.record(emb)
	l := s.NewLoader(5)
	mustDo(t, l.Add(Loaded{Entity: protocol.EntityEmbedding, ID: "m", Owner: protocol.EntityEpisode, OwnerID: "x"}))
	mustDo(t, l.Finish(Origin{Position: 1}))
	apply(t, s, src, 2, episode("x", 6, 5))
	if ok, err := s.IsCached(protocol.EntityEmbedding, "m"); !ok || err != nil {
		t.Fatalf("the owner arrived after the snapshot: its loaded embedding cached %v (%v), want true", ok, err)
	}
}
