package retrieval

import (
	"cmp"
	"slices"
	"strings"
)

// Search answers q from the index, under the read lock. See doc.go for the
// modes and the hybrid formula.
func (x *Index) Search(q Query) ([]Hit, error) {
	p, err := planQuery(&q)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	sc := getScratch()
	defer putScratch(sc)
	f := x.compileFilter(&q, p.kind)
	switch p.mode {
	case ModeKeyword:
		return x.hits(x.keyword(p.terms, &f, p.limit, sc), true), nil
	case ModeVector:
		cands, err := x.vector(p.vec, q.Model, &f, p.limit, sc)
		if err != nil {
			return nil, err
		}
		return x.hits(cands, false), nil
	}
	return x.hybrid(p, q.Model, &f, sc)
}

// hits turns one ranked list into hits scored by that list.
func (x *Index) hits(cands []cand, keyword bool) []Hit {
	out := make([]Hit, len(cands))
	for i, c := range cands {
		h := Hit{Kind: x.docs.meta[c.slot].kind.entity(), ID: x.docs.info[c.slot].id, Score: c.score}
		if keyword {
			h.Scores.Keyword, h.Scores.KeywordRank = c.score, i+1
		} else {
			h.Scores.Vector, h.Scores.VectorRank = c.score, i+1
		}
		out[i] = h
	}
	return out
}

// sortHits orders by score descending, then kind, then id.
func sortHits(hs []Hit) {
	slices.SortFunc(hs, func(a, b Hit) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		return cmp.Or(strings.Compare(string(a.Kind), string(b.Kind)), strings.Compare(a.ID, b.ID))
	})
}
