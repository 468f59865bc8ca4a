package retrieval

// docMeta is the per-slot data the search loops read: filters, BM25
// length, hybrid components. One cache line holds two.
type docMeta struct {
	time    int64 // episode start_time / pattern updated_at (unix seconds)
	domain  int32 // interned; 0 = none
	task    int32
	lang    int32
	length  uint32 // BM25 document length in tokens
	reward  float32
	kind    kind // 0 = free slot
	present bool // the document's row is indexed (else: only embeddings point here)
	multi   bool // the entity owns more than one embedding
}

// docInfo is the per-slot data updates need.
type docInfo struct {
	id    string
	terms []docTerm // sorted by term id: where this document sits in each posting list
	ctx   []uint64  // sorted, distinct hashes of the context-field tokens
	embs  []int32   // the embedding entries this entity owns
}

// docTable gives every entity that is either indexed or owns an indexed
// embedding one slot. Slots are reused after the entity leaves.
type docTable struct {
	meta     []docMeta
	info     []docInfo
	keys     [numKinds]map[string]int32
	free     []int32
	count    [numKinds]int // present documents per kind
	totalLen int64         // sum of present documents' lengths
	vals     interner
}

// find returns the slot of (k, id).
func (t *docTable) find(k kind, id string) (int32, bool) {
	s, ok := t.keys[k][id]
	return s, ok
}

// slot returns the slot of (k, id), creating an absent one.
func (t *docTable) slot(k kind, id string) int32 {
	if s, ok := t.keys[k][id]; ok {
		return s
	}
	if t.keys[k] == nil {
		t.keys[k] = map[string]int32{}
	}
	var s int32
	if n := len(t.free); n > 0 {
		s, t.free = t.free[n-1], t.free[:n-1]
	} else {
		s = int32(len(t.meta))
		t.meta = append(t.meta, docMeta{})
		t.info = append(t.info, docInfo{})
	}
	t.meta[s] = docMeta{kind: k}
	t.info[s] = docInfo{id: id}
	t.keys[k][id] = s
	return s
}

// slotOf is slot for an id held as bytes (allocating only to create).
func (t *docTable) slotOf(k kind, id []byte) int32 {
	if s, ok := t.keys[k][string(id)]; ok {
		return s
	}
	return t.slot(k, string(id))
}

// release frees slot s when nothing is left in it.
func (t *docTable) release(s int32) {
	m := &t.meta[s]
	if m.present || len(t.info[s].embs) > 0 {
		return
	}
	delete(t.keys[m.kind], t.info[s].id)
	t.meta[s], t.info[s] = docMeta{}, docInfo{}
	t.free = append(t.free, s)
}

// setDoc makes slot s present with p's metadata (clearing any old).
func (t *docTable) setDoc(s int32, p *docPrep, arena []byte) {
	t.clearDoc(s)
	m := &t.meta[s]
	m.domain = t.vals.acquire(p.domain.bytes(arena))
	m.task = t.vals.acquire(p.task.bytes(arena))
	m.lang = t.vals.acquire(p.lang.bytes(arena))
	m.time, m.length, m.reward, m.present = p.time, p.length, p.reward, true
	t.info[s].ctx = p.ctx
	t.count[m.kind]++
	t.totalLen += int64(p.length)
}

// clearDoc makes slot s absent (its postings are the caller's).
func (t *docTable) clearDoc(s int32) {
	m := &t.meta[s]
	if !m.present {
		return
	}
	t.vals.release(m.domain)
	t.vals.release(m.task)
	t.vals.release(m.lang)
	t.count[m.kind]--
	t.totalLen -= int64(m.length)
	*m = docMeta{kind: m.kind, multi: m.multi}
	t.info[s].terms, t.info[s].ctx = nil, nil
}

// less orders slots by kind then id: the tie-break of every ranking.
func (t *docTable) less(a, b int32) bool {
	ka, kb := t.meta[a].kind, t.meta[b].kind
	if ka != kb {
		return ka < kb
	}
	return t.info[a].id < t.info[b].id
}

func (t *docTable) approxBytes() int64 {
	n := int64(cap(t.meta))*32 + int64(cap(t.info))*(16+3*24) + int64(cap(t.free))*4
	for i := range t.info {
		in := &t.info[i]
		if t.meta[i].kind == 0 {
			continue
		}
		n += int64(len(in.id)) + mapEntryBytes(16+4)
		n += int64(cap(in.terms))*8 + int64(cap(in.ctx))*8 + int64(cap(in.embs))*4
	}
	return n + t.vals.approxBytes()
}
