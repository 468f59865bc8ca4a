package retrieval

import (
	"strings"

	"github.com/memsync/memsync/protocol"
)

// Apply indexes one committed batch of mutations, in order, under one write
// lock (the rows are decoded before it is taken). Data that does not decode
// (or an unusable vector) removes the entity from the index and is counted
// in Stats.Skipped; it never fails the batch, which the cache has already
// committed. An upsert replaces the entity's previous document or vector.
// The error is always nil today.
func (x *Index) Apply(muts []Mutation) error {
	if len(muts) == 0 {
		return nil
	}
	bt := getBatch()
	defer putBatch(bt)
	bt.prepare(muts)
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range bt.preps {
		x.apply(&bt.preps[i], bt)
	}
	return nil
}

func (x *Index) apply(p *prepared, bt *batch) {
	m := p.mut
	if len(x.skipped) > 0 {
		delete(x.skipped, Ref{Kind: m.Kind, ID: m.ID})
	}
	if p.op == opSkip {
		x.skipped[Ref{Kind: m.Kind, ID: strings.Clone(m.ID)}] = struct{}{}
	}
	switch k := docKind(m.Kind); {
	case k != 0 && p.op == opDoc:
		x.upsertDoc(k, m.ID, &p.doc, bt)
	case k != 0:
		x.removeDoc(k, m.ID)
	case m.Kind == protocol.EntityEmbedding && p.op == opEmb:
		x.upsertEmb(m.ID, &p.emb, bt)
	case m.Kind == protocol.EntityEmbedding:
		x.removeEmb(m.ID)
	}
}

func (x *Index) upsertDoc(k kind, id string, p *docPrep, bt *batch) {
	s, ok := x.docs.find(k, id)
	if !ok {
		s = x.docs.slot(k, strings.Clone(id))
	}
	old := x.docs.info[s].terms
	x.inv.remove(old, x.docs.info)
	x.docs.setDoc(s, p, bt.arena)
	x.docs.info[s].terms = x.inv.add(s, bt.toks[p.tokStart:p.tokEnd], bt.arena, old)
}

func (x *Index) removeDoc(k kind, id string) {
	s, ok := x.docs.find(k, id)
	if !ok {
		return
	}
	x.inv.remove(x.docs.info[s].terms, x.docs.info)
	x.docs.clearDoc(s)
	x.docs.release(s)
}

func (x *Index) upsertEmb(id string, p *embPrep, bt *batch) {
	vec := bt.vecs[p.vec : p.vec+p.dim]
	model := p.model.bytes(bt.arena)
	if e, ok := x.vecs.byID[id]; ok {
		ent := &x.vecs.embs[e]
		m := &x.docs.meta[ent.owner]
		if m.kind == p.owner && x.docs.info[ent.owner].id == string(p.ownerID.bytes(bt.arena)) && x.vecs.sameGroup(e, model, p.dim) {
			copy(ent.g.vec(ent.slot), vec) // same owner and group: overwrite in place
			return
		}
		x.removeEmb(id)
	}
	owner := x.docs.slotOf(p.owner, p.ownerID.bytes(bt.arena))
	e := x.vecs.add(strings.Clone(id), x.vecs.group(model, p.dim, true), owner, vec)
	in := &x.docs.info[owner]
	in.embs = append(in.embs, e)
	x.setMulti(owner)
}

func (x *Index) removeEmb(id string) {
	e, ok := x.vecs.byID[id]
	if !ok {
		return
	}
	owner := x.vecs.embs[e].owner
	x.vecs.remove(e)
	in := &x.docs.info[owner]
	for i, o := range in.embs {
		if o == e {
			in.embs[i] = in.embs[len(in.embs)-1]
			in.embs = in.embs[:len(in.embs)-1]
			break
		}
	}
	x.setMulti(owner)
	x.docs.release(owner)
}

// setMulti keeps docMeta.multi in step with the owner's embedding count.
func (x *Index) setMulti(owner int32) {
	x.docs.meta[owner].multi = len(x.docs.info[owner].embs) > 1
}
