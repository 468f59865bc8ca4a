package retrieval

import (
	"cmp"
	"slices"
)

// groupsFor returns the groups a query vector of dimension dim (and model,
// when given) is compared with, or a *DimensionError.
func (x *Index) groupsFor(dim int, model string) ([]*group, error) {
	var gs []*group
	for _, g := range x.vecs.groups {
		if g.dim == dim && (model == "" || g.model == model) {
			gs = append(gs, g)
		}
	}
	if len(gs) == 0 {
		return nil, &DimensionError{Dimension: dim, Model: model, Held: x.dimensions()}
	}
	return gs, nil
}

// vector returns the k owners whose best embedding is most similar to the
// unit vector q: exact cosine (dot product of unit vectors) over every
// embedding of the matching groups.
func (x *Index) vector(q []float32, model string, f *filter, k int, sc *scratch) ([]cand, error) {
	gs, err := x.groupsFor(len(q), model)
	if err != nil || f.none {
		return nil, err
	}
	sc.begin(len(x.docs.meta))
	sc.top.reset(k, &x.docs)
	for _, g := range gs {
		x.scanGroup(g, q, f, sc)
	}
	for _, o := range sc.touched { // owners with several embeddings: their best
		sc.top.push(o, sc.score[o])
	}
	return sc.top.sorted(), nil
}

// scanGroup scores every admitted embedding of g. Owners with one
// embedding go straight to the heap; others keep their maximum in sc.
func (x *Index) scanGroup(g *group, q []float32, f *filter, sc *scratch) {
	meta, data, d := x.docs.meta, g.data, g.dim
	top := &sc.top
	for s, o := range g.owner {
		m := &meta[o]
		if !f.pass(m, o) {
			continue
		}
		score := float64(dot(q, data[s*d:s*d+d]))
		if m.multi {
			sc.max(o, score)
		} else {
			top.push(o, score)
		}
	}
}

// dimensions lists the groups, sorted by model then dimension.
func (x *Index) dimensions() []ModelDim {
	out := make([]ModelDim, 0, len(x.vecs.groups))
	for _, g := range x.vecs.groups {
		out = append(out, ModelDim{Model: g.model, Dimension: g.dim, Count: g.len()})
	}
	slices.SortFunc(out, func(a, b ModelDim) int {
		return cmp.Or(cmp.Compare(a.Model, b.Model), cmp.Compare(a.Dimension, b.Dimension))
	})
	return out
}
