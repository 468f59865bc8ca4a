package retrieval

import "sync"

// scratch is one search's working memory, pooled: a per-slot accumulator
// (valid where stamp == gen, so it is never cleared between searches), the
// slots touched, and the top-k heap.
type scratch struct {
	score   []float64
	stamp   []uint32
	gen     uint32
	touched []int32
	top     topk
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	s.top.docs = nil
	scratchPool.Put(s)
}

// begin starts a fresh accumulation over n slots.
func (s *scratch) begin(n int) {
	if len(s.stamp) < n {
		s.stamp = make([]uint32, n+n/4)
		s.score = make([]float64, len(s.stamp))
		s.gen = 0
	}
	s.gen++
	if s.gen == 0 {
		clear(s.stamp)
		s.gen = 1
	}
	s.touched = s.touched[:0]
}

// add accumulates v into slot i.
func (s *scratch) add(i int32, v float64) {
	if s.stamp[i] != s.gen {
		s.stamp[i], s.score[i] = s.gen, v
		s.touched = append(s.touched, i)
		return
	}
	s.score[i] += v
}

// max keeps the maximum of v in slot i.
func (s *scratch) max(i int32, v float64) {
	if s.stamp[i] != s.gen {
		s.stamp[i], s.score[i] = s.gen, v
		s.touched = append(s.touched, i)
		return
	}
	if v > s.score[i] {
		s.score[i] = v
	}
}

// rank returns the k best touched slots, best first.
func (s *scratch) rank(k int, docs *docTable) []cand {
	s.top.reset(k, docs)
	for _, i := range s.touched {
		s.top.push(i, s.score[i])
	}
	return s.top.sorted()
}
