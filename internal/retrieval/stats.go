package retrieval

import "github.com/memsync/memsync/protocol"

// Vector returns a copy of an owner's first embedding (by embedding id) as
// stored: unit-normalized. ok is false when the owner has none.
func (x *Index) Vector(kind protocol.Entity, ownerID string) (vec []float32, model string, ok bool) {
	k := docKind(kind)
	if k == 0 {
		return nil, "", false
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	s, found := x.docs.find(k, ownerID)
	if !found || len(x.docs.info[s].embs) == 0 {
		return nil, "", false
	}
	best := x.docs.info[s].embs[0]
	for _, e := range x.docs.info[s].embs[1:] {
		if x.vecs.embs[e].id < x.vecs.embs[best].id {
			best = e
		}
	}
	ent := &x.vecs.embs[best]
	return append([]float32(nil), ent.g.vec(ent.slot)...), ent.g.model, true
}

// Dimensions lists the (model, dimension) groups held, sorted by model
// then dimension.
func (x *Index) Dimensions() []ModelDim {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.dimensions()
}

// Stats describe the index. ApproxBytes walks the tables (O(entities)).
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return Stats{
		Episodes:    x.docs.count[kindEpisode],
		Patterns:    x.docs.count[kindPattern],
		Embeddings:  len(x.vecs.byID),
		Terms:       len(x.inv.ids),
		Postings:    x.inv.postings,
		ApproxBytes: x.approxBytes(),
		Skipped:     len(x.skipped),
	}
}

// approxBytes estimates the heap the index holds: slice capacities (vectors
// at 4 bytes a component, postings, the document table) plus map entries.
func (x *Index) approxBytes() int64 {
	n := x.docs.approxBytes() + x.inv.approxBytes() + x.vecs.approxBytes()
	for r := range x.skipped {
		n += stringBytes(string(r.Kind)) + stringBytes(r.ID) + 1
	}
	return n
}
