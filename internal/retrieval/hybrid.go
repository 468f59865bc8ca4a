package retrieval

import (
	"math"
	"time"
)

// fused is one hybrid candidate: where it ranked in each list.
type fused struct {
	slot              int32
	kwRank, vecRank   int
	kwScore, vecScore float64
}

// hybrid runs the lists the query has input for (keyword when its text has
// a token, vector when it has a vector), each to
// C = max(10*limit, 100) candidates under the same filter, and scores their
// union with the formula of doc.go.
func (x *Index) hybrid(p *plan, model string, f *filter, sc *scratch) ([]Hit, error) {
	c := max(10*p.limit, 100)
	var kw, vc []cand
	lists := 0
	if len(p.vec) > 0 {
		var err error
		if vc, err = x.vector(p.vec, model, f, c, sc); err != nil {
			return nil, err
		}
		lists++
	}
	if len(p.terms) > 0 {
		kw = x.keyword(p.terms, f, c, sc)
		lists++
	}
	cands := fuse(kw, vc)
	hits := make([]Hit, len(cands))
	for i := range cands {
		hits[i] = x.hybridHit(&cands[i], p, lists)
	}
	sortHits(hits)
	return hits[:min(len(hits), p.limit)], nil
}

// fuse merges the two ranked lists by slot.
func fuse(kw, vc []cand) []fused {
	out := make([]fused, 0, len(kw)+len(vc))
	at := make(map[int32]int, len(kw)+len(vc))
	for i, c := range kw {
		at[c.slot] = len(out)
		out = append(out, fused{slot: c.slot, kwRank: i + 1, kwScore: c.score})
	}
	for i, c := range vc {
		j, ok := at[c.slot]
		if !ok {
			j = len(out)
			out = append(out, fused{slot: c.slot})
		}
		out[j].vecRank, out[j].vecScore = i+1, c.score
	}
	return out
}

// hybridHit computes the score of one candidate.
func (x *Index) hybridHit(c *fused, p *plan, lists int) Hit {
	k := x.opts.RRFK
	rel := 0.0
	if c.kwRank > 0 {
		rel += 1 / (k + float64(c.kwRank))
	}
	if c.vecRank > 0 {
		rel += 1 / (k + float64(c.vecRank))
	}
	rel /= float64(lists) / (k + 1)
	m, in := &x.docs.meta[c.slot], &x.docs.info[c.slot]
	s := Scores{
		Keyword: c.kwScore, Vector: c.vecScore, KeywordRank: c.kwRank, VectorRank: c.vecRank,
		Relevance: rel,
	}
	if m.present {
		s.Recency = recency(p.now, m.time, x.opts.HalfLife)
		s.Reward = float64(m.reward)
		s.Context = overlap(in.ctx, p.hashes)
	}
	w := x.opts.Weights
	score := w.Relevance*s.Relevance + w.Recency*s.Recency + w.Reward*s.Reward + w.Context*s.Context
	return Hit{Kind: m.kind.entity(), ID: in.id, Score: score, Scores: s}
}

// recency is 0.5^(age/halfLife), age clamped at 0.
func recency(now time.Time, t int64, halfLife time.Duration) float64 {
	age := now.Sub(time.Unix(t, 0)).Seconds()
	if age < 0 {
		age = 0
	}
	return math.Exp2(-age / halfLife.Seconds())
}

// overlap is the fraction of the query's distinct tokens in the context set.
func overlap(ctx, query []uint64) float64 {
	if len(query) == 0 {
		return 0
	}
	n := 0
	for _, h := range query {
		if hashSetHas(ctx, h) {
			n++
		}
	}
	return float64(n) / float64(len(query))
}
