package retrieval

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/memsync/memsync/protocol"
)

type meta struct {
	kind             protocol.Entity
	domain, task, lg string
	time             int64
}

// filterCorpus: 12 episodes and 4 patterns, all matching "needle" and close
// to (1,0), the better the lower their number; plus an embedding whose
// owner has no row ("ghost", the best vector of all).
func filterCorpus(t *testing.T) (*Index, map[string]meta) {
	t.Helper()
	metas := map[string]meta{}
	var muts []Mutation
	for i := range 12 {
		id := fmt.Sprintf("e%02d", i)
		m := meta{E, []string{"web", "cli", "ml"}[i%3], []string{"debugging", "testing"}[i%2], []string{"go", "rust"}[i/2%2], int64(1000 + 100*i)}
		metas[id] = m
		muts = append(muts, upsert(t, E, id, ep(id, strings.Repeat("needle ", 14-i), func(e *protocol.Episode) {
			e.Domain, e.TaskType, e.Language, e.StartTime = m.domain, m.task, ptr(m.lg), m.time
		})))
		muts = append(muts, upsert(t, protocol.EntityEmbedding, "v"+id, vecRow("v"+id, "episode", id, "m", []float32{1, float32(i+1) * 0.1})))
	}
	for i := range 4 {
		id := fmt.Sprintf("p%d", i)
		m := meta{P, []string{"web", "cli"}[i%2], "", []string{"go", "rust"}[i/2], int64(1050 + 300*i)}
		metas[id] = m
		muts = append(muts, upsert(t, P, id, &protocol.Pattern{PatternID: id, PatternData: strings.Repeat("needle ", 13-3*i),
			ContextDomain: ptr(m.domain), ContextLanguage: ptr(m.lg), UpdatedAt: m.time}))
		muts = append(muts, upsert(t, protocol.EntityEmbedding, "v"+id, vecRow("v"+id, "pattern", id, "m", []float32{1, float32(3*i+1)*0.1 + 0.05})))
	}
	muts = append(muts, upsert(t, protocol.EntityEmbedding, "vghost", vecRow("vghost", "episode", "ghost", "m", []float32{1, 0})))
	metas["ghost"] = meta{kind: E}
	x := build(t, nil, muts)
	checkInvariants(t, x)
	return x, metas
}

func TestFiltersApplyBeforeRanking(t *testing.T) {
	x, metas := filterCorpus(t)
	admit := func(q Query, id string) bool {
		m, f := metas[id], q.Filter
		if q.Kind != "" && m.kind != q.Kind || q.Exclude != nil && q.Exclude.ID == id && q.Exclude.Kind == m.kind {
			return false
		}
		if f.empty() {
			return true
		}
		if id == "ghost" || f.TaskType != "" && m.kind == P {
			return false
		}
		return (f.Domain == "" || f.Domain == m.domain) && (f.TaskType == "" || f.TaskType == m.task) &&
			(f.Language == "" || f.Language == m.lg) && m.time >= f.Since
	}
	queries := []Query{
		{},
		{Filter: Filter{Domain: "cli"}},
		{Filter: Filter{Domain: "web", Language: "rust"}},
		{Filter: Filter{TaskType: "testing"}},
		{Filter: Filter{Since: 1650}},
		{Filter: Filter{Since: -1}}, // a filter all rows pass: still not the row-less ghost
		{Filter: Filter{Domain: "ml", Since: 1500}},
		{Kind: P},
		{Kind: E, Filter: Filter{Language: "go"}},
		{Exclude: &Ref{E, "e00"}},
		{Exclude: &Ref{E, "ghost"}},
		{Exclude: &Ref{P, "e00"}}, // a kind mismatch excludes nothing
		{Filter: Filter{Domain: "nowhere"}},
		{Filter: Filter{Language: "go"}, Exclude: &Ref{P, "p0"}},
	}
	for _, mode := range []Mode{ModeKeyword, ModeVector} {
		all := mustSearch(t, x, Query{Text: "needle", Vector: []float32{1, 0}, Mode: mode, Limit: 100})
		for _, limit := range []int{1, 3, 100} {
			for _, q := range queries {
				q.Text, q.Vector, q.Mode, q.Limit = "needle", []float32{1, 0}, mode, limit
				var want []string
				for _, h := range all {
					if admit(q, h.ID) && len(want) < limit {
						want = append(want, h.ID)
					}
				}
				got := ids(mustSearch(t, x, q))
				if !slices.Equal(got, append([]string{}, want...)) {
					t.Errorf("%s limit %d %+v %+v: %q, want %q", mode, limit, q.Filter, q.Exclude, got, want)
				}
			}
		}
	}
	// The unfiltered vector list holds the ghost (no row), first.
	if hs := mustSearch(t, x, Query{Vector: []float32{1, 0}, Limit: 1}); len(hs) != 1 || hs[0].ID != "ghost" {
		t.Errorf("ghost: %+v", hs)
	}
}
