package query

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/retrieval"
)

// A search whose index lags the cache (batches committed, not yet indexed)
// answers with every hit the cache still holds: nine of the index's top
// ten were evicted, so the retry asks it for spare hits. Before the
// spares, every attempt asked for the same ten and answered one.
func TestLaggingIndexAnswersWithSpareHits(t *testing.T) {
	const window = 40
	store, err := cachestore.Open(t.TempDir(), &cachestore.Options{MaxEpisodes: window})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	version := uint64(0)
	add := func(from, n int) {
		t.Helper()
		var b cachestore.Batch
		for i := from; i < from+n; i++ {
			version += 2
			b.Changes = append(b.Changes, episodeChange(i, version-1), embeddingChange(i, version))
		}
		b.Checkpoint, b.Position = version, version
		if _, err := store.Apply(context.Background(), b, nil); err != nil {
			t.Fatal(err)
		}
	}
	add(0, window)
	idx := retrieval.New(nil)
	if _, err := BuildIndex(idx, store); err != nil {
		t.Fatal(err)
	}
	add(window, 5) // evict ep-00000..ep-00009; the index, built before, does not follow
	add(window+5, 5)
	local := NewLocal(&LocalOptions{Worker: "w1", Now: func() time.Time { return base.Add(time.Hour) }})
	local.Attach(&Cache{Store: store, Index: idx})

	// one unique word each for ep-00000..ep-00011, ten of them evicted
	words := make([]string, 12)
	for i := range words {
		words[i] = fmt.Sprintf("number%d", i)
	}
	r, err := local.Search(t.Context(), SearchRequest{Text: strings.Join(words, " "), Mode: "keyword", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range r.Hits {
		got = append(got, h.ID)
	}
	if want := []string{"ep-00010", "ep-00011"}; !slices.Equal(got, want) {
		t.Fatalf("hits %v, want %v (the cached episodes among the index's matches)", got, want)
	}
}
