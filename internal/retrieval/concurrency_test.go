package retrieval

import (
	"sync"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// TestConcurrentApplySearch runs writers and readers together; run with
// -race. Every search must see whole batches: each batch upserts a pair of
// episodes with the same word, so a word never matches just one of them.
func TestConcurrentApplySearch(t *testing.T) {
	c := genCorpus(t, 8, 300, 10, 8)
	x := build(t, nil, c.muts[:200])
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // writer: the rest of the corpus, then paired upserts and deletes
		defer wg.Done()
		defer close(stop)
		for i := 200; i < len(c.muts); i += 16 {
			if err := x.Apply(c.muts[i:min(i+16, len(c.muts))]); err != nil {
				t.Error(err)
				return
			}
		}
		for i := range 200 {
			word := []string{"pairone", "pairtwo"}[i%2]
			batch := []Mutation{upsert(t, E, "x1", ep("x1", word)), upsert(t, E, "x2", ep("x2", word))}
			if i%3 == 0 {
				batch = []Mutation{del(E, "x1"), del(E, "x2")}
			}
			if err := x.Apply(batch); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	q := c.vectors[c.episodes[0].ID]
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, w := range []string{"pairone", "pairtwo"} {
					if hs := mustSearch(t, x, Query{Text: w}); len(hs) == 1 {
						t.Errorf("%q matched half a batch: %+v", w, hs)
						return
					}
				}
				mustSearch(t, x, Query{Text: "retry loop", Vector: q, Now: testNow, Filter: Filter{Language: "go"}})
				x.Vector(protocol.EntityEpisode, c.episodes[0].ID)
				x.Stats()
				x.Dimensions()
			}
		}()
	}
	wg.Wait()
	checkInvariants(t, x)
}
