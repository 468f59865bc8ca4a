package retrieval

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/memsync/memsync/protocol"
)

const E, P = protocol.EntityEpisode, protocol.EntityPattern

// refBM25 is BM25 written out plainly over whitespace-split documents.
func refBM25(docs map[string]string, query string) map[string]float64 {
	const k1, b = 1.2, 0.75
	toks := map[string][]string{}
	total := 0
	for id, text := range docs {
		toks[id] = strings.Fields(text)
		total += len(toks[id])
	}
	n := float64(len(docs))
	avgdl := float64(total) / n
	out := map[string]float64{}
	for _, q := range strings.Fields(query) {
		df := 0
		for _, ts := range toks {
			if slices.Contains(ts, q) {
				df++
			}
		}
		if df == 0 {
			continue
		}
		idf := math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
		for id, ts := range toks {
			tf := 0.0
			for _, t := range ts {
				if t == q {
					tf++
				}
			}
			if tf > 0 {
				out[id] += idf * tf * (k1 + 1) / (tf + k1*(1-b+b*float64(len(ts))/avgdl))
			}
		}
	}
	return out
}

func textIndex(t *testing.T, docs map[string]string) *Index {
	t.Helper()
	x := New(nil)
	var muts []Mutation
	for id, text := range docs {
		muts = append(muts, upsert(t, E, id, ep(id, text)))
	}
	if err := x.Apply(muts); err != nil {
		t.Fatal(err)
	}
	return x
}

func TestBM25MatchesReference(t *testing.T) {
	docs := map[string]string{
		"a": "alpha beta gamma",
		"b": "alpha beta beta",
		"c": "alpha delta delta delta zeta",
	}
	x := textIndex(t, docs)
	cases := []struct {
		query string
		first string // the expected top hit
	}{
		{"gamma", "a"},             // the only doc with a unique word
		{"alpha gamma", "a"},       // alpha is everywhere (low idf): gamma decides
		{"beta", "b"},              // higher tf
		{"alpha delta", "c"},       // a rare word beats length normalization
		{"alpha", "a"},             // same tf: shorter docs first, ties by id
		{"zeta beta", "c"},         // df 1 outweighs tf 2 at df 2
		{"unknown alpha", "a"},     // unknown terms contribute nothing
		{"alpha alpha gamma", "a"}, // repeated query terms count once
	}
	for _, c := range cases {
		hs := mustSearch(t, x, Query{Text: c.query, Mode: ModeKeyword})
		ref := refBM25(docs, strings.Join(distinct(strings.Fields(c.query)), " "))
		if len(hs) != len(ref) {
			t.Fatalf("%q: %d hits, reference %d: %+v", c.query, len(hs), len(ref), hs)
		}
		if hs[0].ID != c.first {
			t.Errorf("%q: first %q, want %q (%+v)", c.query, hs[0].ID, c.first, hs)
		}
		for i, h := range hs {
			if math.Abs(h.Score-ref[h.ID]) > 1e-9 || h.Scores.Keyword != h.Score || h.Scores.KeywordRank != i+1 {
				t.Errorf("%q: %s score %v (%+v), reference %v", c.query, h.ID, h.Score, h.Scores, ref[h.ID])
			}
			if i > 0 && (hs[i-1].Score < h.Score || hs[i-1].Score == h.Score && hs[i-1].ID > h.ID) {
				t.Errorf("%q: not sorted: %+v", c.query, hs)
			}
		}
	}
}

func TestKeywordNoMatch(t *testing.T) {
	x := textIndex(t, map[string]string{"a": "alpha beta"})
	for _, q := range []string{"nothing here", "the of and", "??"} {
		if hs := mustSearch(t, x, Query{Text: q}); len(hs) != 0 {
			t.Errorf("%q: %+v", q, hs)
		}
	}
	if hs := mustSearch(t, New(nil), Query{Text: "alpha"}); len(hs) != 0 {
		t.Errorf("empty index: %+v", hs)
	}
}

func TestKeywordUpdateAndRemove(t *testing.T) {
	x := textIndex(t, map[string]string{"a": "alpha beta", "b": "beta gamma"})
	steps := []struct {
		muts  []Mutation
		query string
		want  []string
	}{
		{nil, "alpha", []string{"a"}},
		{[]Mutation{upsert(t, E, "a", ep("a", "omega"))}, "alpha", []string{}},
		{nil, "omega", []string{"a"}},
		{nil, "beta", []string{"b"}},
		{[]Mutation{del(E, "b")}, "beta", []string{}},
		{nil, "gamma", []string{}},
		{[]Mutation{del(E, "b"), del(E, "zz")}, "omega", []string{"a"}}, // deleting the absent is a no-op
		{[]Mutation{upsert(t, E, "b", ep("b", "omega omega")), upsert(t, E, "b", ep("b", "beta"))}, "omega", []string{"a"}},
		{nil, "beta", []string{"b"}},
	}
	for i, s := range steps {
		if err := x.Apply(s.muts); err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, x)
		if got := ids(mustSearch(t, x, Query{Text: s.query})); !slices.Equal(got, s.want) {
			t.Errorf("step %d %q: %q, want %q", i, s.query, got, s.want)
		}
	}
	if st := x.Stats(); st.Episodes != 2 || st.Terms != 2 || st.Postings != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestEpisodeAndPatternText checks which columns are indexed.
func TestEpisodeAndPatternText(t *testing.T) {
	e := ep("e1", "describe", func(e *protocol.Episode) {
		e.Steps = `[{"action":"grepping","tool":"ripgrep","parameters":{"hidden":"paramword"},"result":{"output":"outputword"}}]`
		e.Outcome = ptr(`{"verdict":"verdictword"}`)
		e.Reflection = ptr(`not json reflectword`)
		e.Domain, e.TaskType, e.Language = "web-api", "debugging", ptr("rust")
		e.Context = `{"complexity":"contextword"}`
		e.Metadata = `{"agent":"metaword"}`
	})
	p := &protocol.Pattern{PatternID: "p1", PatternType: "ToolSequence", PatternData: `{"tools":["grep","edit"]}`,
		ContextDomain: ptr("cli"), ContextLanguage: ptr("go"), ContextTags: ptr(`["tagword"]`)}
	bad := ep("e2", "brokensteps", func(e *protocol.Episode) { e.Steps = `[{"action": "unterminated` })
	x := New(nil)
	if err := x.Apply([]Mutation{upsert(t, E, "e1", e), upsert(t, P, "p1", p), upsert(t, E, "e2", bad)}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		word string
		want []string
	}{
		{"describe", []string{"e1"}}, {"grepping", []string{"e1"}}, {"ripgrep", []string{"e1"}},
		{"verdictword", []string{"e1"}}, {"reflectword", []string{"e1"}}, {"api", []string{"e1"}},
		{"debugging", []string{"e1"}}, {"rust", []string{"e1"}},
		{"paramword", nil}, {"outputword", nil}, {"contextword", nil}, {"metaword", nil}, {"verdict", nil},
		{"toolsequence", []string{"p1"}}, {"edit", []string{"p1"}}, {"cli", []string{"p1"}},
		{"go", []string{"p1"}}, {"tagword", []string{"p1"}}, {"tools", nil},
		{"unterminated", []string{"e2"}}, {"action", []string{"e2"}}, // invalid JSON: raw text
	} {
		if got := ids(mustSearch(t, x, Query{Text: c.word})); !slices.Equal(got, append([]string{}, c.want...)) {
			t.Errorf("%q: %q, want %q", c.word, got, c.want)
		}
	}
}
