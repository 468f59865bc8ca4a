package retrieval

// maxDocTerms bounds the distinct terms of one document: a posting points
// back at its document's term list with 16 bits. Terms past it (a
// pathological document of over 65535 distinct words) are not indexed.
const maxDocTerms = 1<<16 - 1

// maxTF is where term frequencies saturate.
const maxTF = 1<<16 - 1

// posting is one document of a term's list: 8 bytes.
type posting struct {
	doc  int32
	tf   uint16
	back uint16 // index of this term in the document's docTerm list
}

// docTerm is where a document sits in one term's posting list.
type docTerm struct {
	term int32
	pos  int32
}

type termEntry struct {
	text string
	post []posting // unordered; swap-removed
}

// inverted is the keyword index. Every (term, document) pair is one
// posting plus one docTerm (16 bytes); removal swap-removes each posting
// and fixes the moved posting's docTerm through its back index: O(1) per
// term.
type inverted struct {
	ids      map[string]int32
	terms    []termEntry
	free     []int32
	postings int
}

// termID returns the id of tok, creating the term.
func (v *inverted) termID(tok []byte) int32 {
	if id, ok := v.ids[string(tok)]; ok {
		return id
	}
	if v.ids == nil {
		v.ids = map[string]int32{}
	}
	s := string(tok)
	var id int32
	if n := len(v.free); n > 0 {
		id, v.free = v.free[n-1], v.free[:n-1]
		v.terms[id] = termEntry{text: s}
	} else {
		id = int32(len(v.terms))
		v.terms = append(v.terms, termEntry{text: s})
	}
	v.ids[s] = id
	return id
}

// add indexes document doc with the distinct tokens toks (text in arena)
// and returns its docTerms; dts is reused when it has room.
func (v *inverted) add(doc int32, toks []tokCount, arena []byte, dts []docTerm) []docTerm {
	toks = toks[:min(len(toks), maxDocTerms)]
	if cap(dts) < len(toks) || cap(dts) > 2*len(toks)+8 {
		dts = make([]docTerm, len(toks))
	}
	dts = dts[:len(toks)]
	for i, tc := range toks {
		id := v.termID(arena[tc.off : tc.off+tc.n])
		t := &v.terms[id]
		dts[i] = docTerm{term: id, pos: int32(len(t.post))}
		t.post = append(t.post, posting{doc: doc, tf: uint16(min(tc.tf, maxTF)), back: uint16(i)})
	}
	v.postings += len(toks)
	return dts
}

// remove takes the document with docTerms dts out of every list; info is
// the document table, whose moved entries it fixes.
func (v *inverted) remove(dts []docTerm, info []docInfo) {
	for _, dt := range dts {
		t := &v.terms[dt.term]
		last := int32(len(t.post) - 1)
		if dt.pos != last {
			moved := t.post[last]
			t.post[dt.pos] = moved
			info[moved.doc].terms[moved.back].pos = dt.pos
		}
		t.post = t.post[:last]
		switch {
		case last == 0:
			delete(v.ids, t.text)
			v.terms[dt.term] = termEntry{}
			v.free = append(v.free, dt.term)
		case cap(t.post) > 64 && len(t.post) < cap(t.post)/4:
			t.post = append(make([]posting, 0, 2*len(t.post)), t.post...)
		}
	}
	v.postings -= len(dts)
}

func (v *inverted) approxBytes() int64 {
	n := int64(cap(v.terms))*(16+24) + int64(cap(v.free))*4
	for i := range v.terms {
		t := &v.terms[i]
		if t.post == nil && t.text == "" {
			continue
		}
		n += int64(len(t.text)) + mapEntryBytes(16+4) + int64(cap(t.post))*8
	}
	return n
}
