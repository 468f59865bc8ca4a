package retrieval

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/memsync/memsync/protocol"
)

var testNow = time.Unix(1_767_225_600, 0)

type hybridDoc struct {
	kind       protocol.Entity
	id, text   string
	vec        []float32
	time       int64
	reward     *string
	success    float64
	domain     string
	language   string
	context    string
	wantCtx    float64 // for the query "deploy rust web service"
	wantReward float64
}

func hybridCorpus(t *testing.T, opts *Options) (*Index, []hybridDoc) {
	t.Helper()
	day := int64(24 * 3600)
	docs := []hybridDoc{
		{kind: E, id: "e1", text: "deploy the web service", vec: []float32{1, 0.1, 0}, time: testNow.Unix() - 7*day,
			reward: ptr(`{"total":0.8,"base":1}`), domain: "web-api", language: "rust", context: `{"tags":["service"]}`,
			wantCtx: 0.75, wantReward: 0.8}, // web, rust, service: 3 of the 4 query tokens
		{kind: E, id: "e2", text: "deploy service rollback", vec: []float32{0.2, 1, 0}, time: testNow.Unix() - 1*day,
			reward: ptr(`0.3`), domain: "cli", language: "go", wantCtx: 0, wantReward: 0.3},
		{kind: E, id: "e3", text: "unrelated words", vec: []float32{0.9, 0.2, 0.1}, time: testNow.Unix() + day,
			reward: ptr(`{"total":7}`), domain: "web", language: "rust", wantCtx: 0.5, wantReward: 1},
		{kind: E, id: "e4", text: "deploy deploy deploy", vec: nil, time: testNow.Unix() - 30*day,
			reward: ptr(`not json`), domain: "ml", wantReward: 0},
		{kind: P, id: "p1", text: "web deploy pattern", vec: []float32{1, 0, 0}, time: testNow.Unix() - 2*day,
			success: 0.9, domain: "web", language: "rust", context: `["deploy"]`, wantCtx: 0.75, wantReward: 0.9},
	}
	var muts []Mutation
	for _, d := range docs {
		if d.kind == E {
			muts = append(muts, upsert(t, E, d.id, ep(d.id, d.text, func(e *protocol.Episode) {
				e.StartTime, e.Reward, e.Domain, e.Language, e.Context = d.time, d.reward, d.domain, ptr(d.language), d.context
			})))
		} else {
			muts = append(muts, upsert(t, P, d.id, &protocol.Pattern{PatternID: d.id, PatternData: d.text, SuccessRate: d.success,
				ContextDomain: ptr(d.domain), ContextLanguage: ptr(d.language), ContextTags: ptr(d.context), UpdatedAt: d.time}))
		}
		if d.vec != nil {
			muts = append(muts, upsert(t, protocol.EntityEmbedding, "v"+d.id, vecRow("v"+d.id, string(d.kind), d.id, "m", d.vec)))
		}
	}
	// An embedding without a row: relevance only.
	muts = append(muts, upsert(t, protocol.EntityEmbedding, "vghost", vecRow("vghost", "episode", "ghost", "m", []float32{1, 0.05, 0})))
	docs = append(docs, hybridDoc{kind: E, id: "ghost"})
	return build(t, opts, muts), docs
}

func rankOf(hs []Hit, id string) int {
	for i, h := range hs {
		if h.ID == id {
			return i + 1
		}
	}
	return 0
}

// TestHybridExplain recomputes every component and the score of every hit
// from the formula of doc.go, for two-list and one-list queries.
func TestHybridExplain(t *testing.T) {
	x, docs := hybridCorpus(t, nil)
	byID := map[string]hybridDoc{}
	for _, d := range docs {
		byID[d.id] = d
	}
	text, vec := "deploy rust web service", []float32{1, 0, 0}
	kw := mustSearch(t, x, Query{Text: text, Mode: ModeKeyword, Limit: 100})
	vc := mustSearch(t, x, Query{Vector: vec, Mode: ModeVector, Limit: 100})
	for _, c := range []struct {
		name  string
		q     Query
		lists int
	}{
		{"both", Query{Text: text, Vector: vec}, 2},
		{"text only", Query{Text: text, Mode: ModeHybrid}, 1},
		{"vector only", Query{Vector: vec, Mode: ModeHybrid}, 1},
	} {
		c.q.Now, c.q.Limit = testNow, 100
		hs := mustSearch(t, x, c.q)
		if len(hs) == 0 {
			t.Fatalf("%s: no hits", c.name)
		}
		for i, h := range hs {
			d := byID[h.ID]
			s := h.Scores
			wantKR, wantVR := 0, 0
			if c.q.Text != "" {
				wantKR = rankOf(kw, h.ID)
			}
			if c.q.Vector != nil {
				wantVR = rankOf(vc, h.ID)
			}
			rel := 0.0
			if wantKR > 0 {
				rel += 1 / (60 + float64(wantKR))
				near(t, c.name+" keyword", s.Keyword, kw[wantKR-1].Score)
			}
			if wantVR > 0 {
				rel += 1 / (60 + float64(wantVR))
				near(t, c.name+" vector", s.Vector, vc[wantVR-1].Score)
			}
			rel /= float64(c.lists) / 61
			rec, rew, ctx := 0.0, 0.0, 0.0
			if h.ID != "ghost" {
				rec = math.Pow(0.5, max(0, float64(testNow.Unix()-d.time))/(7*24*3600))
				rew = d.wantReward
				if c.q.Text != "" {
					ctx = d.wantCtx
				}
			}
			if s.KeywordRank != wantKR || s.VectorRank != wantVR {
				t.Errorf("%s %s: ranks %d/%d, want %d/%d", c.name, h.ID, s.KeywordRank, s.VectorRank, wantKR, wantVR)
			}
			near(t, c.name+" "+h.ID+" relevance", s.Relevance, rel)
			near(t, c.name+" "+h.ID+" recency", s.Recency, rec)
			near(t, c.name+" "+h.ID+" reward", s.Reward, rew)
			near(t, c.name+" "+h.ID+" context", s.Context, ctx)
			near(t, c.name+" "+h.ID+" score", h.Score, 0.5*rel+0.25*rec+0.15*rew+0.10*ctx)
			if i > 0 && hs[i-1].Score < h.Score {
				t.Errorf("%s: not sorted at %d", c.name, i)
			}
		}
		if c.lists == 1 && hs[0].Scores.Relevance > 1 {
			t.Errorf("%s: relevance %v > 1", c.name, hs[0].Scores.Relevance)
		}
	}
	// The limit cuts the fused list.
	if hs := mustSearch(t, x, Query{Text: text, Vector: vec, Now: testNow, Limit: 2}); len(hs) != 2 {
		t.Errorf("limit 2: %d hits", len(hs))
	}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("%s = %.9f, want %.9f", what, got, want)
	}
}

func TestHybridWeights(t *testing.T) {
	x, _ := hybridCorpus(t, &Options{Weights: Weights{Reward: 1}})
	hs := mustSearch(t, x, Query{Text: "deploy", Vector: []float32{1, 0, 0}, Now: testNow})
	for _, h := range hs {
		if h.Score != h.Scores.Reward {
			t.Errorf("%s: score %v, reward %v", h.ID, h.Score, h.Scores.Reward)
		}
	}
	if got := ids(hs)[:2]; !slices.Equal(got, []string{"e3", "p1"}) { // rewards 1 and 0.9
		t.Errorf("order %q", got)
	}
}

// TestRecencyHalfLife checks the injected clock.
func TestRecencyHalfLife(t *testing.T) {
	x, _ := hybridCorpus(t, &Options{HalfLife: 24 * time.Hour})
	hs := mustSearch(t, x, Query{Text: "rollback", Mode: ModeHybrid, Now: testNow})
	if len(hs) != 1 || hs[0].ID != "e2" {
		t.Fatalf("%+v", hs)
	}
	near(t, "recency after one half-life", hs[0].Scores.Recency, 0.5)
}

func TestParseReward(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
	}{
		{`{"total":0.7}`, 0.7}, {` 0.4 `, 0.4}, {`{"total":"0.5"}`, 0}, {`{"total":2}`, 1}, {`-1`, 0},
		{``, 0}, {`garbage`, 0}, {`{"base":1}`, 0}, {`{"total":0.3,"total":0.6}`, 0.6},
		{`{"nested":{"total":0.9}}`, 0}, {`{"total":0.5`, 0}, {`1e999`, 1}, {`[0.5]`, 0}, {`0.25 trailing`, 0},
	} {
		if got := parseReward([]byte(c.in)); got != c.want {
			t.Errorf("parseReward(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
