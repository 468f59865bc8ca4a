package retrieval

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/protocol"
)

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", "Fix the HTTP client", "straße ÉCOLE", "a\xffb", "日本語", "tests retries"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range Tokenize(s) {
			if tok == "" || !utf8.ValidString(tok) || strings.ToLower(tok) != tok || utf8.RuneCountInString(tok) < 2 {
				t.Fatalf("Tokenize(%q): bad token %q", s, tok)
			}
			if isStopword([]byte(tok)) {
				t.Fatalf("Tokenize(%q): stopword %q", s, tok)
			}
		}
	})
}

// fuzzSeeds are real rows for the corpus.
func fuzzSeeds(f *testing.F) [][]byte {
	g := seed.NewGenerator(1, 4)
	e := g.Episode(0, nil)
	p := g.Pattern()
	em := g.Embedding("episode", e.ID)
	var out [][]byte
	for _, v := range []any{episodeRow(e), patternRow(p), embeddingRow(em)} {
		b, err := protocol.MarshalRow(v)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzApplySearch: arbitrary bytes as row data of every kind, and arbitrary
// query text, never panic and keep the index consistent.
func FuzzApplySearch(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b, "retry loop http")
	}
	f.Add([]byte(`{"steps":"[{\"action\":\"x\"}]","task_description":"yy"}`), "yy")
	f.Add([]byte(`{"item_type":"episode","item_id":"k","dimension":1,"dtype":"f32le","vector":"AACAPw=="}`), "")
	f.Fuzz(func(t *testing.T, data []byte, text string) {
		x := New(nil)
		var muts []Mutation
		for _, k := range []protocol.Entity{E, P, protocol.EntityEmbedding} {
			muts = append(muts, Mutation{Kind: k, ID: "k", Data: data})
		}
		if err := x.Apply(muts); err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, x)
		for _, q := range []Query{
			{Text: text}, {Text: text, Vector: []float32{1}, Now: testNow},
			{Text: text, Mode: ModeHybrid, Filter: Filter{Domain: text}, Exclude: &Ref{E, text}},
		} {
			hs, err := x.Search(q)
			if err != nil && text != "" && q.Vector == nil {
				t.Fatalf("%+v: %v", q, err)
			}
			for _, h := range hs {
				if h.ID != "k" {
					t.Fatalf("hit %+v", h)
				}
			}
		}
		x.Stats()
		x.Dimensions()
		if err := x.Apply([]Mutation{{Kind: E, ID: "k"}, {Kind: P, ID: "k"}, {Kind: protocol.EntityEmbedding, ID: "k"}}); err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, x)
		if st := x.Stats(); st.Episodes+st.Patterns+st.Embeddings+st.Terms+st.Skipped != 0 {
			t.Fatalf("not empty after deletes: %+v", st)
		}
	})
}

// FuzzDecodeRows: the fast row decoder never reads a row differently from
// encoding/json, and the JSON column walker agrees with encoding/json.
func FuzzDecodeRows(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"task_description":"a\u00e9\ud83d\ude00","start_time":-0,"language":null}`))
	f.Add([]byte(`[{"action":"a","result":{"output":"b"}},"c"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range []protocol.Entity{E, P, protocol.EntityEmbedding} {
			diffDecode(t, k, data)
		}
		diffWalk(t, data)
		parseReward(data)
	})
}
