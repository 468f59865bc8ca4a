package retrieval

import (
	"strings"
	"sync"

	"github.com/memsync/memsync/protocol"
)

// prepOp is what applying one prepared mutation does.
type prepOp uint8

const (
	opRemove prepOp = iota // the entity left the cache
	opDoc                  // upsert an episode or pattern document
	opEmb                  // upsert an embedding
	opSkip                 // undecodable or unusable: remove, count in Stats.Skipped
)

// docPrep is a decoded document, ready to index.
type docPrep struct {
	tokStart, tokEnd   int // distinct tokens: batch.toks[tokStart:tokEnd]
	length             uint32
	ctx                []uint64
	domain, task, lang span
	time               int64
	reward             float32
}

// embPrep is a decoded, unit-normalized embedding, ready to index.
type embPrep struct {
	owner   kind
	ownerID span
	model   span
	dim     int
	vec     int // offset in batch.vecs
}

type prepared struct {
	op  prepOp
	mut *Mutation
	doc docPrep
	emb embPrep
}

// batch is the scratch of one Apply: everything decoded before the lock is
// taken. Batches are pooled.
type batch struct {
	preps []prepared
	arena []byte     // token and value bytes
	toks  []tokCount // distinct tokens of every document, by document
	vecs  []float32  // unit vectors of every embedding
	dec   rowDecoder
	b     docBuilder
}

var batchPool = sync.Pool{New: func() any {
	bt := new(batch)
	bt.b.bt = bt
	return bt
}}

func getBatch() *batch { return batchPool.Get().(*batch) }

// putBatch returns bt to the pool unless it grew very large.
func putBatch(bt *batch) {
	if cap(bt.arena) > 8<<20 || cap(bt.vecs) > 4<<20 {
		return
	}
	clear(bt.preps)
	bt.dec.release()
	bt.preps, bt.arena, bt.toks, bt.vecs = bt.preps[:0], bt.arena[:0], bt.toks[:0], bt.vecs[:0]
	batchPool.Put(bt)
}

// prepare decodes every mutation.
func (bt *batch) prepare(muts []Mutation) {
	for i := range muts {
		m := &muts[i]
		p := prepared{mut: m, op: opSkip}
		switch k := docKind(m.Kind); {
		case m.Data == nil:
			p.op = opRemove
		case k == kindEpisode && bt.dec.decodeEpisode(m.Data):
			p.op, p.doc = opDoc, bt.episodeDoc()
		case k == kindPattern && bt.dec.decodePattern(m.Data):
			p.op, p.doc = opDoc, bt.patternDoc()
		case m.Kind == protocol.EntityEmbedding && bt.dec.decodeEmbedding(m.Data):
			if e, ok := bt.embedding(); ok {
				p.op, p.emb = opEmb, e
			}
		}
		bt.preps = append(bt.preps, p)
	}
}

// keep copies b into the arena.
func (bt *batch) keep(b []byte) span {
	s := span{off: uint32(len(bt.arena)), n: uint32(len(b))}
	bt.arena = append(bt.arena, b...)
	return s
}

// str is a kept span as a new string.
func (bt *batch) str(s span) string { return strings.Clone(string(s.bytes(bt.arena))) }
