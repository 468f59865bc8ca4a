package cachestore

import (
	"bytes"
	"slices"
	"testing"
)

// TestRangeIterSeesTheBatchAsItGrows: the applier's one iterator is re-aimed
// for every range read, and each read must see what the batch set or
// deleted since the iterator was made (an owner's embeddings written
// earlier in the same batch, a boundary just moved). An iterator only
// re-bounded (SetBounds) keeps its first view and fails this.
func TestRangeIterSeesTheBatchAsItGrows(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 10})
	a := &applier{s: s, b: s.db.NewIndexedBatch()}
	t.Cleanup(func() { a.closeIter(); a.b.Close() })
	owner := ownerPrefix(kindEpisode, "ep-1")
	keys := func() []string {
		t.Helper()
		ks, err := a.keysWithPrefix(owner)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range ks {
			out = append(out, string(k[len(owner):]))
		}
		return out
	}
	bound := func(last bool) string {
		t.Helper()
		k, err := a.boundKey(sortPrefix, prefixEnd(sortPrefix), last)
		if err != nil {
			t.Fatal(err)
		}
		return string(k)
	}
	set := func(k []byte) {
		if err := a.set(k, []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	if got := keys(); len(got) != 0 {
		t.Fatalf("empty batch: owned %q", got)
	}
	set(append(bytes.Clone(owner), "emb-b"...))
	if got := keys(); !slices.Equal(got, []string{"emb-b"}) {
		t.Fatalf("after one set: owned %q, want [emb-b]", got)
	}
	// sort keys order episodes newest first
	mid, newest := sortKey(20, "ep-2"), sortKey(30, "ep-3")
	set(mid)
	if got := bound(false); got != string(mid) {
		t.Fatalf("first sort key %q, want %q", got, mid)
	}
	set(newest)
	set(append(bytes.Clone(owner), "emb-a"...))
	if got := bound(false); got != string(newest) {
		t.Errorf("first sort key after a newer set: %q, want %q", got, newest)
	}
	if got := bound(true); got != string(mid) {
		t.Errorf("last sort key %q, want %q", got, mid)
	}
	if got := keys(); !slices.Equal(got, []string{"emb-a", "emb-b"}) {
		t.Errorf("after a second set: owned %q, want [emb-a emb-b]", got)
	}
	if err := a.del(mid); err != nil {
		t.Fatal(err)
	}
	if got := bound(true); got != string(newest) {
		t.Errorf("last sort key after deleting %q: %q, want %q", mid, got, newest)
	}
}
