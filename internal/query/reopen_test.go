package query

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// A Reopener holds the cache only during a call (a read-write open
// succeeds between calls), builds its index once while the cache is
// unchanged, and builds it again after a write or a swapped directory, so
// an answer never comes from an index of another cache state.
func TestReopenerHoldsOnlyDuringACallAndKeepsItsIndex(t *testing.T) {
	f := newFixture(t, 50, 30)
	closeFixture := func() {
		f.local.Detach()
		if err := f.cache.Close(); err != nil {
			t.Fatal(err)
		}
		f.cache = nil
	}
	closeFixture()
	r := NewReopener(f.dir, cachestore.Options{SkipVerify: true})
	search := func(word string) []string {
		t.Helper()
		c, err := r.Open(true)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := cachestore.Open(f.dir, &cachestore.Options{LockWait: 1}); err == nil {
			t.Fatal("a read-write open succeeded during a call")
		}
		l := NewLocal(nil)
		l.Attach(c)
		defer l.Detach()
		res, err := l.Search(t.Context(), SearchRequest{Text: word, Mode: "keyword", Kind: protocol.EntityEpisode, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		return hitIDsOf(res)
	}
	if got := search("number29"); len(got) != 1 || got[0] != "ep-00029" {
		t.Fatalf("first call: %v", got)
	}
	if got := search("number28"); len(got) != 1 || got[0] != "ep-00028" || r.Builds() != 1 {
		t.Fatalf("second call on the same cache: %v, %d builds (want the kept index: 1)", got, r.Builds())
	}

	// Between calls the worker opens the cache and applies a batch.
	f.open()
	if err := f.addEpisodes(10); err != nil {
		t.Fatal(err)
	}
	closeFixture()
	if got := search("number35"); len(got) != 1 || got[0] != "ep-00035" || r.Builds() != 2 {
		t.Fatalf("after a batch: %v, %d builds (want 2)", got, r.Builds())
	}

	// A rebuild swaps another directory in, with the same durable state.
	aside := f.dir + ".aside"
	if err := os.CopyFS(aside, os.DirFS(f.dir)); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(f.dir, filepath.Join(t.TempDir(), "old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(aside, f.dir); err != nil {
		t.Fatal(err)
	}
	if got := search("number35"); len(got) != 1 || r.Builds() != 3 {
		t.Fatalf("after a swap: %v, %d builds (want 3)", got, r.Builds())
	}
	c, err := r.Open(false)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close() // a second Close ends no other call's turn
	if c, err = r.Open(false); err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func hitIDsOf(r *SearchResponse) []string {
	var ids []string
	for _, h := range r.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}
