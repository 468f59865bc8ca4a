package retrieval

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// TestTiesAreDeterministic: equal scores order by kind then id, in every
// mode, whatever the insertion order and whatever the limit cuts.
func TestTiesAreDeterministic(t *testing.T) {
	var muts []Mutation
	for _, id := range []string{"d", "b", "e", "a", "c"} {
		for _, k := range []protocol.Entity{P, E} {
			if k == E {
				muts = append(muts, upsert(t, E, id, ep(id, "same words")))
			} else {
				muts = append(muts, upsert(t, P, id, &protocol.Pattern{PatternID: id, PatternData: "same words"}))
			}
			vid := string(k) + id
			muts = append(muts, upsert(t, protocol.EntityEmbedding, vid, vecRow(vid, string(k), id, "m", []float32{1, 2})))
		}
	}
	all := []string{"episode/a", "episode/b", "episode/c", "episode/d", "episode/e",
		"pattern/a", "pattern/b", "pattern/c", "pattern/d", "pattern/e"}
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 5 {
		r.Shuffle(len(muts), func(i, j int) { muts[i], muts[j] = muts[j], muts[i] })
		x := build(t, nil, muts)
		for _, q := range []Query{
			{Text: "same", Mode: ModeKeyword}, {Vector: []float32{2, 4}}, {Text: "words", Vector: []float32{1, 2}, Now: testNow},
		} {
			for _, limit := range []int{1, 3, 7, 10} {
				q.Limit = limit
				hs := mustSearch(t, x, q)
				got := make([]string, len(hs))
				for i, h := range hs {
					got[i] = fmt.Sprintf("%s/%s", h.Kind, h.ID)
				}
				if !slices.Equal(got, all[:limit]) {
					t.Fatalf("round %d %+v: %q", round, q, got)
				}
			}
		}
	}
}
