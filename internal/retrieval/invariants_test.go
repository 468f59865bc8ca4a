package retrieval

import "testing"

// checkInvariants verifies the index's internal cross-references.
func checkInvariants(t testing.TB, x *Index) {
	t.Helper()
	x.mu.RLock()
	defer x.mu.RUnlock()
	d := &x.docs
	postings := 0
	for id, te := range x.inv.terms {
		if te.text == "" {
			if len(te.post) != 0 {
				t.Fatalf("freed term %d has postings", id)
			}
			continue
		}
		if len(te.post) == 0 {
			t.Fatalf("term %q has no postings", te.text)
		}
		if got := x.inv.ids[te.text]; got != int32(id) {
			t.Fatalf("term %q: ids says %d, want %d", te.text, got, id)
		}
		for pos, p := range te.post {
			if !d.meta[p.doc].present {
				t.Fatalf("term %q posts absent doc %d", te.text, p.doc)
			}
			dt := d.info[p.doc].terms[p.back]
			if dt.term != int32(id) || dt.pos != int32(pos) {
				t.Fatalf("term %q pos %d: back ref %+v", te.text, pos, dt)
			}
		}
		postings += len(te.post)
	}
	if postings != x.inv.postings || len(x.inv.ids) > len(x.inv.terms) {
		t.Fatalf("postings %d, counted %d", x.inv.postings, postings)
	}
	var count [numKinds]int
	var total int64
	for s := range d.meta {
		m, in := &d.meta[s], &d.info[s]
		if m.kind == 0 {
			continue
		}
		if got, ok := d.keys[m.kind][in.id]; !ok || got != int32(s) {
			t.Fatalf("slot %d (%q) not keyed", s, in.id)
		}
		if !m.present && len(in.embs) == 0 {
			t.Fatalf("slot %d (%q) is empty but not freed", s, in.id)
		}
		if m.multi != (len(in.embs) > 1) {
			t.Fatalf("slot %d multi flag %v with %d embeddings", s, m.multi, len(in.embs))
		}
		if m.present {
			count[m.kind]++
			total += int64(m.length)
		}
		for _, e := range in.embs {
			if x.vecs.embs[e].owner != int32(s) {
				t.Fatalf("slot %d lists embedding %d owned by %d", s, e, x.vecs.embs[e].owner)
			}
		}
	}
	if count != d.count || total != d.totalLen {
		t.Fatalf("counts %v/%d, table says %v/%d", count, total, d.count, d.totalLen)
	}
	n := 0
	for _, g := range x.vecs.groups {
		if g.len() == 0 || len(g.data) != g.len()*g.dim || len(g.emb) != g.len() {
			t.Fatalf("group %s/%d inconsistent", g.model, g.dim)
		}
		for slot, e := range g.emb {
			ent := x.vecs.embs[e]
			if ent.g != g || ent.slot != int32(slot) || ent.owner != g.owner[slot] {
				t.Fatalf("group %s/%d slot %d: entry %+v", g.model, g.dim, slot, ent)
			}
			if x.vecs.byID[ent.id] != e {
				t.Fatalf("embedding %q not keyed", ent.id)
			}
		}
		n += g.len()
	}
	if n != len(x.vecs.byID) {
		t.Fatalf("%d vectors, %d ids", n, len(x.vecs.byID))
	}
}
