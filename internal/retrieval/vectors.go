package retrieval

// group holds the unit vectors of one (model, dimension) as one contiguous
// slice: slot i is data[i*dim:(i+1)*dim]. Removal swap-removes.
type group struct {
	model string
	dim   int
	data  []float32
	owner []int32 // slot -> owner document slot
	emb   []int32 // slot -> embedding entry
}

func (g *group) len() int { return len(g.owner) }

func (g *group) vec(slot int32) []float32 {
	i := int(slot) * g.dim
	return g.data[i : i+g.dim : i+g.dim]
}

// embEntry is one indexed embedding.
type embEntry struct {
	id    string
	g     *group
	slot  int32
	owner int32
}

// vectorStore holds every indexed embedding.
type vectorStore struct {
	groups []*group
	byID   map[string]int32 // embedding id -> entry
	embs   []embEntry
	free   []int32
}

// group returns the group of (model, dim), creating it when create.
func (v *vectorStore) group(model []byte, dim int, create bool) *group {
	for _, g := range v.groups {
		if g.dim == dim && g.model == string(model) {
			return g
		}
	}
	if !create {
		return nil
	}
	g := &group{model: string(model), dim: dim}
	v.groups = append(v.groups, g)
	return g
}

// add appends a vector for owner and returns its new entry.
func (v *vectorStore) add(id string, g *group, owner int32, vec []float32) int32 {
	if v.byID == nil {
		v.byID = map[string]int32{}
	}
	var e int32
	if n := len(v.free); n > 0 {
		e, v.free = v.free[n-1], v.free[:n-1]
	} else {
		e = int32(len(v.embs))
		v.embs = append(v.embs, embEntry{})
	}
	v.embs[e] = embEntry{id: id, g: g, slot: int32(g.len()), owner: owner}
	g.data = append(g.data, vec...)
	g.owner = append(g.owner, owner)
	g.emb = append(g.emb, e)
	v.byID[id] = e
	return e
}

// remove drops entry e (swap-remove in its group; empty groups go).
func (v *vectorStore) remove(e int32) {
	ent := v.embs[e]
	g := ent.g
	last := int32(g.len() - 1)
	if ent.slot != last {
		copy(g.vec(ent.slot), g.vec(last))
		g.owner[ent.slot], g.emb[ent.slot] = g.owner[last], g.emb[last]
		v.embs[g.emb[ent.slot]].slot = ent.slot
	}
	g.owner, g.emb = g.owner[:last], g.emb[:last]
	g.data = g.data[:int(last)*g.dim]
	if cap(g.data) > 4096*g.dim && len(g.data) < cap(g.data)/4 {
		g.data = append(make([]float32, 0, 2*len(g.data)), g.data...)
	}
	if last == 0 {
		v.dropGroup(g)
	}
	delete(v.byID, ent.id)
	v.embs[e] = embEntry{}
	v.free = append(v.free, e)
}

func (v *vectorStore) dropGroup(g *group) {
	for i, h := range v.groups {
		if h == g {
			v.groups = append(v.groups[:i], v.groups[i+1:]...)
			return
		}
	}
}

// sameGroup reports whether entry e is in the group of (model, dim).
func (v *vectorStore) sameGroup(e int32, model []byte, dim int) bool {
	g := v.embs[e].g
	return g.dim == dim && g.model == string(model)
}

func (v *vectorStore) approxBytes() int64 {
	n := int64(cap(v.embs))*40 + int64(cap(v.free))*4
	for _, g := range v.groups {
		n += int64(cap(g.data))*4 + int64(cap(g.owner))*4 + int64(cap(g.emb))*4 + stringBytes(g.model)
	}
	for id := range v.byID {
		n += int64(len(id)) + mapEntryBytes(16+4)
	}
	return n
}
