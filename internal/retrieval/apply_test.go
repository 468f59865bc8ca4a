package retrieval

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/memsync/memsync/protocol"
)

func TestApplySkipsUndecodable(t *testing.T) {
	x := New(nil)
	good := upsert(t, E, "e1", ep("e1", "alpha"))
	muts := []Mutation{
		good,
		upsert(t, E, "e2", ep("e2", "beta")),
		{Kind: E, ID: "e2", Data: []byte(`{"episode_id":`)},                         // truncated: replaces e2
		{Kind: E, ID: "e3", Data: []byte(`{"start_time":"yesterday"}`)},             // wrong type
		{Kind: P, ID: "p1", Data: []byte(`[]`)},                                     // not an object
		{Kind: protocol.EntityEmbedding, ID: "v1", Data: []byte(`{"dimension":2}`)}, // no vector
		upsert(t, protocol.EntityEmbedding, "v2", &protocol.Embedding{EmbeddingID: "v2", ItemID: "e1", ItemType: "widget",
			Dimension: 1, DType: protocol.DTypeF32LE, Vector: protocol.EncodeVector([]float32{1})}), // bad owner kind
		upsert(t, protocol.EntityEmbedding, "v3", vecRow("v3", "episode", "e1", "m", []float32{0, 0})), // zero vector
		{Kind: "widget", ID: "w1", Data: []byte(`{}`)},                                                 // unknown kind
		{Kind: E, ID: "e4", Data: []byte{}},                                                            // empty, not nil
	}
	if err := x.Apply(muts); err != nil {
		t.Fatalf("Apply must not fail on data: %v", err)
	}
	checkInvariants(t, x)
	st := x.Stats()
	if st.Skipped != 8 || st.Episodes != 1 || st.Embeddings != 0 {
		t.Errorf("stats %+v, want 8 skipped, 1 episode", st)
	}
	if got := ids(mustSearch(t, x, Query{Text: "alpha beta"})); !slices.Equal(got, []string{"e1"}) {
		t.Errorf("hits %q", got)
	}
	// A good upsert or a delete clears an entity from the gauge.
	if err := x.Apply([]Mutation{upsert(t, E, "e2", ep("e2", "beta")), del(P, "p1"), del("widget", "w1")}); err != nil {
		t.Fatal(err)
	}
	if st := x.Stats(); st.Skipped != 5 || st.Episodes != 2 {
		t.Errorf("after repair: %+v", st)
	}
}

// TestFallbackDecoder: rows the fast decoder declines but encoding/json
// accepts (case-insensitive keys, escaped keys, a top-level null) index the
// same as protocol.DecodeEpisode reads them.
func TestFallbackDecoder(t *testing.T) {
	x := New(nil)
	muts := []Mutation{
		{Kind: E, ID: "e1", Data: []byte(`{"Task_Description":"folded key"}`)},
		{Kind: E, ID: "e2", Data: []byte(`{"task_descriptio\u006e":"escaped key"}`)},
		{Kind: E, ID: "e3", Data: []byte(`null`)},
		{Kind: P, ID: "p1", Data: []byte(`{"PATTERN_TYPE":"shouting"}`)},
		{Kind: protocol.EntityEmbedding, ID: "v1", Data: []byte(`{"ITEM_ID":"e1","item_type":"episode","dimension":1,"dtype":"f32le","vector":"AACAPw=="}`)},
	}
	if err := x.Apply(muts); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]string{"folded": {"e1"}, "escaped": {"e2"}, "shouting": {"p1"}} {
		if got := ids(mustSearch(t, x, Query{Text: q})); !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", q, got, want)
		}
	}
	if st := x.Stats(); st.Episodes != 3 || st.Patterns != 1 || st.Embeddings != 1 || st.Skipped != 0 {
		t.Errorf("stats %+v", st)
	}
	if _, _, ok := x.Vector(E, "e1"); !ok {
		t.Error("embedding decoded by the fallback is missing")
	}
}

// TestIncrementalEqualsRebuild applies random upserts and deletes of every
// kind and checks, batch after batch, the invariants and that searches
// answer exactly as an index built from scratch from the surviving rows.
func TestIncrementalEqualsRebuild(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	words := []string{"alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"}
	text := func() string {
		n := 1 + r.IntN(6)
		s := ""
		for range n {
			s += words[r.IntN(len(words))] + " "
		}
		return s
	}
	live := map[Ref]Mutation{}
	x := New(nil)
	for round := range 40 {
		var batch []Mutation
		for range 1 + r.IntN(30) {
			var m Mutation
			switch k := r.IntN(3); k {
			case 0:
				id := fmt.Sprint("e", r.IntN(40))
				m = upsert(t, E, id, ep(id, text(), func(e *protocol.Episode) {
					e.Domain, e.StartTime = words[r.IntN(3)], int64(r.IntN(1000))
				}))
			case 1:
				id := fmt.Sprint("p", r.IntN(15))
				m = upsert(t, P, id, &protocol.Pattern{PatternID: id, PatternData: text(), ContextDomain: ptr(words[r.IntN(3)])})
			default:
				id := fmt.Sprint("v", r.IntN(60))
				kind, owner := "episode", fmt.Sprint("e", r.IntN(45))
				if r.IntN(3) == 0 {
					kind, owner = "pattern", fmt.Sprint("p", r.IntN(18))
				}
				m = upsert(t, protocol.EntityEmbedding, id, vecRow(id, kind, owner, []string{"m1", "m2"}[r.IntN(2)], randVec(r, 4)))
			}
			if r.IntN(4) == 0 {
				m.Data = nil
			}
			batch = append(batch, m)
			if ref := (Ref{m.Kind, m.ID}); m.Data == nil {
				delete(live, ref)
			} else {
				live[ref] = m
			}
		}
		if err := x.Apply(batch); err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, x)
		var rows []Mutation
		for _, m := range live {
			rows = append(rows, m)
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
		fresh := build(t, nil, rows)
		if a, b := x.Stats(), fresh.Stats(); a.Episodes != b.Episodes || a.Patterns != b.Patterns ||
			a.Embeddings != b.Embeddings || a.Terms != b.Terms || a.Postings != b.Postings {
			t.Fatalf("round %d: stats %+v, rebuilt %+v", round, a, b)
		}
		for _, q := range []Query{
			{Text: "alpha gamma", Limit: 100},
			{Text: "beta", Filter: Filter{Domain: "alpha"}, Limit: 5},
			{Vector: []float32{1, 0, 0, 0}, Limit: 100},
			{Vector: []float32{0, 1, 1, 0}, Model: "m2", Kind: P, Limit: 3},
			{Text: "delta zeta", Vector: []float32{1, 1, 0, 0}, Now: testNow, Limit: 20},
		} {
			got, err1 := x.Search(q)
			want, err2 := fresh.Search(q)
			if (err1 == nil) != (err2 == nil) || !hitsEqual(got, want) {
				t.Fatalf("round %d %+v:\n got  %v %+v\n want %v %+v", round, q, err1, got, err2, want)
			}
		}
	}
}

func hitsEqual(a, b []Hit) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Kind != b[i].Kind || !close64(a[i].Score, b[i].Score) {
			return false
		}
	}
	return true
}

func close64(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

// An embedding whose owner id is not UTF-8 carries item_id_b64: the index
// takes the owner from it (through the protocol decoder), byte for byte.
func TestNonUTF8OwnerID(t *testing.T) {
	x := New(nil)
	owner := "ep-\xff"
	row, err := protocol.MarshalRow(protocol.Embedding{EmbeddingID: "m1", ItemID: owner, ItemType: "episode", Dimension: 1,
		DType: protocol.DTypeF32LE, Vector: protocol.EncodeVector([]float32{1})})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Apply([]Mutation{{Kind: protocol.EntityEmbedding, ID: "m1", Data: row}}); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := x.Vector(E, owner); !ok {
		t.Fatalf("owner %q not found (row %s)", owner, row)
	}
}
