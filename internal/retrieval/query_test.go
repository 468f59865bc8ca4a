package retrieval

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/memsync/memsync/protocol"
)

func TestQueryErrors(t *testing.T) {
	x := New(nil)
	muts := []Mutation{
		upsert(t, protocol.EntityEmbedding, "v1", vecRow("v1", "episode", "e1", "minilm", make384(1))),
		upsert(t, protocol.EntityEmbedding, "v2", vecRow("v2", "pattern", "p1", "e5", []float32{1, 2, 3, 4, 5, 6, 7, 8})),
		upsert(t, E, "e1", ep("e1", "alpha")),
	}
	if err := x.Apply(muts); err != nil {
		t.Fatal(err)
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	cases := []struct {
		q        Query
		want     error
		contains []string
	}{
		{Query{Vector: []float32{1, 2, 3}}, ErrDimension,
			[]string{`retrieval: query vector has dimension 3; the cache holds 8 (model "e5"), 384 (model "minilm")`}},
		{Query{Vector: []float32{1, 2, 3, 4, 5, 6, 7, 8}, Model: "minilm"}, ErrDimension,
			[]string{`dimension 8 (model "minilm")`, `384 (model "minilm")`}},
		{Query{Text: "alpha", Vector: []float32{1, 2}}, ErrDimension, []string{"dimension 2"}},
		{Query{Vector: []float32{1, nan, 3}}, ErrBadVector, nil},
		{Query{Vector: []float32{inf, 0, 3}}, ErrBadVector, nil},
		{Query{Vector: []float32{0, 0, 0}}, ErrBadVector, nil},
		{Query{Text: "alpha", Mode: ModeVector}, ErrBadVector, []string{"non-empty"}},
		{Query{Text: "alpha", Limit: 101}, ErrLimit, []string{"101", "maximum is 100"}},
		{Query{Text: "alpha", Limit: -1}, ErrLimit, nil},
		{Query{Text: "alpha", Mode: "fuzzy"}, ErrBadMode, []string{`"fuzzy"`}},
		{Query{Text: "alpha", Kind: protocol.EntityEmbedding}, ErrBadKind, []string{`"embedding"`}},
		{Query{Text: "alpha", Kind: "widget"}, ErrBadKind, nil},
		{Query{}, ErrEmptyQuery, nil},
		{Query{Vector: []float32{}}, ErrEmptyQuery, nil},
		{Query{Vector: []float32{1}, Mode: ModeKeyword}, ErrEmptyQuery, []string{"keyword mode"}},
	}
	for _, c := range cases {
		_, err := x.Search(c.q)
		if !errors.Is(err, c.want) {
			t.Errorf("%+v: error %v, want %v", c.q, err, c.want)
			continue
		}
		for _, s := range c.contains {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%+v: error %q does not contain %q", c.q, err, s)
			}
		}
	}
	var de *DimensionError
	if _, err := x.Search(Query{Vector: []float32{1}}); !errors.As(err, &de) || len(de.Held) != 2 || de.Dimension != 1 {
		t.Errorf("DimensionError: %#v", err)
	}
	if _, err := New(nil).Search(Query{Vector: []float32{1}}); err == nil || !strings.Contains(err.Error(), "holds no embeddings") {
		t.Errorf("empty index: %v", err)
	}
	// Good queries still work.
	for _, q := range []Query{{Text: "alpha", Limit: 100}, {Vector: make384(2)}, {Vector: make384(2), Text: "alpha", Mode: ModeKeyword}} {
		if hs := mustSearch(t, x, q); len(hs) != 1 || hs[0].ID != "e1" {
			t.Errorf("%+v: %+v", q, hs)
		}
	}
}

func make384(seed float32) []float32 {
	v := make([]float32, 384)
	for i := range v {
		v[i] = seed + float32(i%7)
	}
	return v
}

func TestDefaultLimitAndMode(t *testing.T) {
	x := New(nil)
	var muts []Mutation
	for i := range 30 {
		id := string(rune('a'+i%26)) + string(rune('a'+i/26))
		muts = append(muts, upsert(t, E, id, ep(id, "shared word")))
	}
	if err := x.Apply(muts); err != nil {
		t.Fatal(err)
	}
	hs := mustSearch(t, x, Query{Text: "shared"})
	if len(hs) != DefaultLimit {
		t.Fatalf("%d hits", len(hs))
	}
	// All scores tie: the order is by id.
	for i := 1; i < len(hs); i++ {
		if hs[i].Score != hs[0].Score || hs[i-1].ID >= hs[i].ID {
			t.Fatalf("tie order: %q", ids(hs))
		}
	}
	if hs[0].Scores.KeywordRank != 1 || hs[0].Scores.Relevance != 0 {
		t.Errorf("default mode for text only is keyword: %+v", hs[0].Scores)
	}
}
