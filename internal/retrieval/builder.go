package retrieval

import "bytes"

// span is a byte range of a batch arena.
type span struct{ off, n uint32 }

func (s span) bytes(arena []byte) []byte { return arena[s.off : s.off+s.n] }

// tokCount is one distinct token of a document (text in the batch arena)
// and its frequency in the document.
type tokCount struct {
	off, n uint32
	tf     uint32
}

// docBuilder collects one document's tokens during the prepare phase of a
// batch (outside the index lock): distinct BM25 tokens with frequencies,
// deduplicated by a small open-addressing table, and the context tokens'
// hashes.
type docBuilder struct {
	bt      *batch
	start   int     // first tokCount of the current document in bt.toks
	table   []int32 // 1 + index (from start) of a token; 0 = empty
	hashes  []uint64
	length  uint32
	ctx     []uint64
	ctxMode bool // tokens go to the context set, not the BM25 text
	tokBuf  []byte
	strBuf  []byte // JSON string values of one column
	unesc   []byte
}

func (b *docBuilder) begin() {
	b.start, b.length, b.ctxMode = len(b.bt.toks), 0, false
	b.hashes, b.ctx = b.hashes[:0], b.ctx[:0]
	if len(b.table) > 1024 || len(b.table) == 0 {
		b.table = make([]int32, 64)
	} else {
		clear(b.table)
	}
}

// raw tokenizes text as it is.
func (b *docBuilder) raw(text []byte) {
	b.tokBuf = tokenize(text, b.tokBuf, b.add)
}

// jsonText tokenizes the string values of a JSON column, or the raw text
// when it is not JSON.
func (b *docBuilder) jsonText(text []byte) { b.walk(text, keepAll) }

// steps tokenizes the string fields of each step of a steps column (action,
// tool, ...: object members at depth <= 2, not the nested parameters or
// results), or the raw text when it is not JSON.
func (b *docBuilder) steps(text []byte) { b.walk(text, keepStepFields) }

func keepAll(int, bool) bool { return true }

func keepStepFields(depth int, member bool) bool { return depth == 0 || member && depth <= 2 }

func (b *docBuilder) walk(text []byte, keep keepFunc) {
	if !looksJSON(text) {
		b.raw(text)
		return
	}
	var ok bool
	ok, b.unesc, b.strBuf = walkStrings(text, b.unesc, b.strBuf[:0], keep)
	if ok {
		b.raw(b.strBuf)
	} else {
		b.raw(text)
	}
}

// add takes one token.
func (b *docBuilder) add(tok []byte) {
	h := hashToken(tok)
	if b.ctxMode {
		b.ctx = append(b.ctx, h)
		return
	}
	b.length++
	bt := b.bt
	mask := uint64(len(b.table) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := b.table[i]
		if e == 0 {
			bt.toks = append(bt.toks, tokCount{off: uint32(len(bt.arena)), n: uint32(len(tok)), tf: 1})
			bt.arena = append(bt.arena, tok...)
			b.hashes = append(b.hashes, h)
			b.table[i] = int32(len(b.hashes))
			if 2*len(b.hashes) > len(b.table) {
				b.grow()
			}
			return
		}
		if t := &bt.toks[b.start+int(e)-1]; b.hashes[e-1] == h && bytes.Equal(bt.arena[t.off:t.off+t.n], tok) {
			t.tf++
			return
		}
	}
}

// grow doubles the table and reinserts the current document's tokens.
func (b *docBuilder) grow() {
	b.table = make([]int32, 2*len(b.table))
	mask := uint64(len(b.table) - 1)
	for j, h := range b.hashes {
		i := h & mask
		for b.table[i] != 0 {
			i = (i + 1) & mask
		}
		b.table[i] = int32(j + 1)
	}
}

// finish returns the current document's token range, length and context
// set (sorted, distinct, freshly allocated: the index keeps it).
func (b *docBuilder) finish() docPrep {
	return docPrep{tokStart: b.start, tokEnd: len(b.bt.toks), length: b.length, ctx: hashSet(b.ctx)}
}

// hashToken is 64-bit FNV-1a.
func hashToken(tok []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range tok {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
