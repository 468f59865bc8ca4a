package retrieval

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/memsync/memsync/protocol"
)

func randVec(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func cosine64(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

type refHit struct {
	kind  protocol.Entity
	id    string
	score float64
}

// TestVectorMatchesBruteForce compares top-k with a float64 reference over
// random vectors: several dimensions, two models, owners with one to three
// embeddings, episodes and patterns.
func TestVectorMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	type emb struct {
		kind    protocol.Entity
		owner   string
		model   string
		vec     []float32
		embedID string
	}
	var embs []emb
	var muts []Mutation
	for i := range 600 {
		kind, owner := E, fmt.Sprintf("e%03d", i%400)
		if i%5 == 0 {
			kind, owner = P, fmt.Sprintf("p%03d", i%90)
		}
		dim := []int{3, 17, 64}[i%3]
		model := []string{"m1", "m2"}[i/3%2]
		e := emb{kind, owner, model, randVec(r, dim), fmt.Sprintf("v%04d", i)}
		embs = append(embs, e)
		muts = append(muts, upsert(t, protocol.EntityEmbedding, e.embedID, vecRow(e.embedID, string(kind), owner, model, e.vec)))
	}
	x := build(t, nil, muts)
	checkInvariants(t, x)
	for qi := range 30 {
		dim := []int{3, 17, 64}[qi%3]
		model := []string{"", "m1", "m2"}[qi%3]
		kind := []protocol.Entity{"", E, P}[qi/3%3]
		limit := []int{1, 5, 10, 100}[qi%4]
		q := randVec(r, dim)
		best := map[string]refHit{}
		for _, e := range embs {
			if len(e.vec) != dim || model != "" && e.model != model || kind != "" && e.kind != kind {
				continue
			}
			s, key := cosine64(q, e.vec), string(e.kind)+"/"+e.owner
			if h, ok := best[key]; !ok || s > h.score {
				best[key] = refHit{e.kind, e.owner, s}
			}
		}
		ref := make([]refHit, 0, len(best))
		for _, h := range best {
			ref = append(ref, h)
		}
		slices.SortFunc(ref, func(a, b refHit) int {
			return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.kind, b.kind), cmp.Compare(a.id, b.id))
		})
		ref = ref[:min(limit, len(ref))]
		hs := mustSearch(t, x, Query{Vector: q, Model: model, Kind: kind, Limit: limit})
		if len(hs) != len(ref) {
			t.Fatalf("query %d: %d hits, reference %d", qi, len(hs), len(ref))
		}
		for i, h := range hs {
			// Scores agree to float32 precision; ids agree unless float32
			// rounding swapped two near-equal neighbours.
			sameID := h.ID == ref[i].id && h.Kind == ref[i].kind
			if d := math.Abs(h.Score - ref[i].score); d > 1e-5 || !sameID && d > 1e-6 {
				t.Fatalf("query %d rank %d: %s/%s %.7f, reference %s/%s %.7f", qi, i, h.Kind, h.ID, h.Score, ref[i].kind, ref[i].id, ref[i].score)
			}
			if h.Scores.Vector != h.Score || h.Scores.VectorRank != i+1 {
				t.Fatalf("query %d: scores %+v", qi, h.Scores)
			}
		}
	}
}

func TestVectorUpdateRemoveAndLookup(t *testing.T) {
	x := New(nil)
	apply := func(muts ...Mutation) {
		t.Helper()
		if err := x.Apply(muts); err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, x)
	}
	emb := func(id, owner string, v ...float32) Mutation {
		return upsert(t, protocol.EntityEmbedding, id, vecRow(id, "episode", owner, "m", v))
	}
	apply(emb("v2", "a", 1, 0), emb("v1", "a", 0, 1), emb("v3", "b", 1, 1), upsert(t, E, "a", ep("a", "xx")))
	if v, model, ok := x.Vector(E, "a"); !ok || model != "m" || !slices.Equal(v, []float32{0, 1}) {
		t.Errorf("Vector(a) = %v %q %v, want the first by embedding id (v1)", v, model, ok)
	}
	if _, _, ok := x.Vector(E, "zz"); ok {
		t.Error("Vector of an unknown owner")
	}
	// a's score is its best embedding.
	hs := mustSearch(t, x, Query{Vector: []float32{1, 0}})
	if got := ids(hs); !slices.Equal(got, []string{"a", "b"}) || math.Abs(hs[0].Score-1) > 1e-6 {
		t.Errorf("hits %+v", hs)
	}
	// Moving v2 to owner b and deleting v1 leaves a without embeddings.
	apply(emb("v2", "b", 1, 0), del(protocol.EntityEmbedding, "v1"))
	if got := ids(mustSearch(t, x, Query{Vector: []float32{1, 0}})); !slices.Equal(got, []string{"b"}) {
		t.Errorf("after move: %q", got)
	}
	// An in-place update changes the score.
	apply(emb("v3", "b", -1, 0), emb("v2", "b", 0, -1))
	if hs := mustSearch(t, x, Query{Vector: []float32{1, 0}}); len(hs) != 1 || math.Abs(hs[0].Score) > 1e-6 {
		t.Errorf("after update: %+v", hs)
	}
	// Zero and non-finite vectors are skipped, and remove the previous one.
	apply(emb("v3", "b", 0, 0), emb("v2", "b", float32(math.NaN()), 1))
	if got := ids(mustSearch(t, x, Query{Text: "xx"})); !slices.Equal(got, []string{"a"}) {
		t.Errorf("after zero: %q", got)
	}
	if st := x.Stats(); st.Embeddings != 0 || st.Skipped != 2 || st.Episodes != 1 {
		t.Errorf("stats %+v", st)
	}
	if _, err := x.Search(Query{Vector: []float32{1, 0}}); !errorsIs(err, ErrDimension) {
		t.Errorf("no groups left: %v", err)
	}
	// Only a's document is left: the placeholder of b is freed.
	if len(x.docs.keys[kindEpisode]) != 1 {
		t.Errorf("keys %v", x.docs.keys[kindEpisode])
	}
}

func TestDimensions(t *testing.T) {
	x := New(nil)
	var muts []Mutation
	for i, md := range []struct {
		model string
		dim   int
	}{{"b", 4}, {"a", 8}, {"a", 4}, {"b", 4}} {
		id := fmt.Sprint("v", i)
		muts = append(muts, upsert(t, protocol.EntityEmbedding, id, vecRow(id, "pattern", "p", md.model, randVec(rand.New(rand.NewPCG(uint64(i), 0)), md.dim))))
	}
	if err := x.Apply(muts); err != nil {
		t.Fatal(err)
	}
	want := []ModelDim{{"a", 4, 1}, {"a", 8, 1}, {"b", 4, 2}}
	if got := x.Dimensions(); !slices.Equal(got, want) {
		t.Errorf("Dimensions() = %v, want %v", got, want)
	}
}
