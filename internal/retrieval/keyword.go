package retrieval

import "math"

// bm25 holds the corpus constants of one keyword search.
type bm25 struct {
	n      float64 // documents in the corpus (episodes and patterns)
	k1     float64
	norm0  float64 // k1 * (1 - b)
	normDL float64 // k1 * b / avgdl
}

func (x *Index) bm25() (bm25, bool) {
	n := x.docs.count[kindEpisode] + x.docs.count[kindPattern]
	if n == 0 {
		return bm25{}, false
	}
	avgdl := float64(x.docs.totalLen) / float64(n)
	if avgdl == 0 {
		avgdl = 1
	}
	k1, b := x.opts.K1, x.opts.B
	return bm25{n: float64(n), k1: k1, norm0: k1 * (1 - b), normDL: k1 * b / avgdl}, true
}

// idf is the non-negative BM25 idf: ln(1 + (N - df + 0.5) / (df + 0.5)).
func (c *bm25) idf(df int) float64 {
	d := float64(df)
	return math.Log(1 + (c.n-d+0.5)/(d+0.5))
}

// keyword returns the k best documents for the distinct terms, BM25
// descending. Terms the index does not hold contribute nothing.
func (x *Index) keyword(terms []string, f *filter, k int, sc *scratch) []cand {
	c, ok := x.bm25()
	if !ok || f.none || len(terms) == 0 {
		return nil
	}
	sc.begin(len(x.docs.meta))
	meta := x.docs.meta
	for _, t := range terms {
		id, ok := x.inv.ids[t]
		if !ok {
			continue
		}
		post := x.inv.terms[id].post
		idf := c.idf(len(post))
		for _, p := range post {
			m := &meta[p.doc]
			if !f.pass(m, p.doc) {
				continue
			}
			tf := float64(p.tf)
			sc.add(p.doc, idf*tf*(c.k1+1)/(tf+c.norm0+c.normDL*float64(m.length)))
		}
	}
	return sc.rank(k, &x.docs)
}
