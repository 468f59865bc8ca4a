package cachestore

import (
	"errors"
	"fmt"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// The owner filter never says "nothing" for an owner it was given, and
// does filter the others (a filter that always says "maybe" would pass
// the first half and save nothing).
func TestOwnerFilterNoFalseNegatives(t *testing.T) {
	f := newKeyFilter(ownerFilterBits)
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
// from the owner index on disk (INVARIANT (key filters)). Fails if Open
// starts with an empty filter. And ownerPrefixLen inverts ownerPrefix.
func TestOwnerFilterFilledOnOpen(t *testing.T) {
	dir := t.TempDir()
	s := reopen(t, nil, dir)
	src := latestLog{}
	emb := embedding("m", 1, protocol.EntityEpisode, "x")
	src.record(emb)
	apply(t, s, src, 1, emb)
	if ok, err := s.IsCached(protocol.EntityEmbedding, "m"); ok || err != nil {
		t.Fatalf("embedding of an unknown owner cached %v (%v)", ok, err)
	}
	s = reopen(t, s, dir)
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

// The catalog filter of a reopened cache is filled from the catalog on
// disk: an older version of an entity the cache holds, or deleted, is
// still skipped after a restart (INVARIANT 4). Fails if Open starts with
// an empty catalog filter: the older version would read as new.
func TestCatalogFilterFilledOnOpen(t *testing.T) {
	dir := t.TempDir()
	s := reopen(t, nil, dir)
	src := latestLog{}
	apply(t, s, src, 1, episode("x", 5, 5), episode("gone", 6, 6), del(protocol.EntityEpisode, "gone", 7))
	s = reopen(t, s, dir)
	if st := apply(t, s, src, 2, episode("x", 3, 5), episode("gone", 4, 4)); st.Applied != 0 || st.Skipped != 2 {
		t.Fatalf("older versions after a restart: %+v, want both skipped", st)
	}
	if _, v, err := s.Episode("x"); err != nil || v != 5 {
		t.Fatalf("episode x at version %d (%v), want 5", v, err)
	}
	if _, _, err := s.Episode("gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a deleted episode resurrected by an older version after a restart: %v", err)
	}
}

// The same for entities a Turso snapshot loaded (Loader): a change older
// than the snapshot is skipped. Fails if the Loader writes catalog
// entries without noting them.
func TestCatalogFilterSeesTheLoader(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 10})
	l := s.NewLoader(5)
	d := episode("x", 5, 5).Data
	mustDo(t, l.Add(Loaded{Entity: protocol.EntityEpisode, ID: "x", StartTime: 5, Data: d}))
	mustDo(t, l.Finish(Origin{Position: 1}))
	if st := apply(t, s, latestLog{}, 2, episode("x", 3, 5)); st.Applied != 0 || st.Skipped != 1 {
		t.Fatalf("a change older than the snapshot: %+v, want skipped", st)
	}
	if _, v, err := s.Episode("x"); err != nil || v != 5 {
		t.Fatalf("episode x at version %d (%v), want the snapshot's 5", v, err)
	}
}

// A catalog key noted is always "may have"; others mostly not.
func TestCatalogFilterNoFalseNegatives(t *testing.T) {
	f := newKeyFilter(catalogFilterBits)
	const n = 200_000
	for i := range n {
		f.add(catalogKey(kindEpisode, fmt.Sprintf("ep-%d", i)))
	}
	fp := 0
	for i := range n {
		if !f.mayHave(catalogKey(kindEpisode, fmt.Sprintf("ep-%d", i))) {
			t.Fatalf("catalog key %d added, mayHave false", i)
		}
		if f.mayHave(catalogKey(kindEmbedding, fmt.Sprintf("ep-%d", i))) {
			fp++
		}
	}
	if fp > n/100 {
		t.Fatalf("%d false positives in %d (over 1%%)", fp, n)
	}
}

// Within one open cache: a version Apply wrote is found again by the next
// batches' version checks, upserts and deletes alike. Fails if Apply
// writes catalog entries without noting them.
func TestCatalogFilterSeesApply(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 10})
	src := latestLog{}
	emb := embedding("m", 4, protocol.EntityEpisode, "x")
	src.record(emb)
	apply(t, s, src, 1, episode("x", 5, 5), emb, episode("gone", 6, 6))
	apply(t, s, src, 2, del(protocol.EntityEpisode, "gone", 7))
	st := apply(t, s, src, 3, episode("x", 3, 5), embedding("m", 2, protocol.EntityEpisode, "x"), episode("gone", 4, 4))
	if st.Applied != 0 || st.Skipped != 3 {
		t.Fatalf("older versions of what the cache holds: %+v, want all three skipped", st)
	}
	if _, _, err := s.Episode("gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a deleted episode resurrected by an older version: %v", err)
	}
}

// The -tags invariants check after every Apply finds a key a filter does
// not have (here: filters replaced by empty ones behind the store's back).
func TestCheckFiltersFindsAMissingKey(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 10})
	src := latestLog{}
	emb := embedding("m", 2, protocol.EntityEpisode, "x")
	src.record(emb)
	apply(t, s, src, 1, episode("x", 1, 5), emb)
	mustDo(t, s.checkInvariants())
	for _, tc := range []struct {
		name  string
		empty **keyFilter
		bits  uint64
	}{{"catalog", &s.catalog, catalogFilterBits}, {"owner", &s.owners, ownerFilterBits}} {
		kept := *tc.empty
		*tc.empty = newKeyFilter(tc.bits)
		if err := s.checkInvariants(); err == nil {
			t.Errorf("an empty %s filter over a cache with such keys passed the check", tc.name)
		}
		*tc.empty = kept
	}
}

// reopen closes s (nil: none yet) and opens the cache at dir again, with a
// window of 10; the test's cleanup closes it.
func reopen(t *testing.T, s *Store, dir string) *Store {
	t.Helper()
	if s != nil {
		mustDo(t, s.Close())
	}
	s, err := Open(dir, &Options{MaxEpisodes: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
