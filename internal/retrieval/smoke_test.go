package retrieval

import "testing"

func TestSmoke(t *testing.T) {
	c := genCorpus(t, 1, 200, 20, 16)
	x := build(t, nil, c.muts)
	st := x.Stats()
	t.Logf("%+v", st)
	hs := mustSearch(t, x, Query{Text: "retry loop http client", Limit: 3})
	t.Logf("%+v", hs)
	hs = mustSearch(t, x, Query{Text: "retry loop http client", Vector: c.vectors[c.episodes[0].ID], Limit: 3})
	t.Logf("%+v", hs)
}
