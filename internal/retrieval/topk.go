package retrieval

// cand is a ranked candidate: a document slot and its score.
type cand struct {
	slot  int32
	score float64
}

// topk keeps the k best candidates in a bounded min-heap: h[0] is the worst
// kept. Better means a higher score, then kind, then id ascending (so every
// ranking is deterministic).
type topk struct {
	k    int
	h    []cand
	docs *docTable
}

func (t *topk) reset(k int, docs *docTable) {
	t.k, t.h, t.docs = k, t.h[:0], docs
}

// worse reports whether a ranks after b.
func (t *topk) worse(a, b cand) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return t.docs.less(b.slot, a.slot)
}

// push offers a candidate.
func (t *topk) push(slot int32, score float64) {
	if len(t.h) < t.k {
		t.h = append(t.h, cand{slot, score})
		t.up(len(t.h) - 1)
		return
	}
	if t.k == 0 || score < t.h[0].score {
		return
	}
	c := cand{slot, score}
	if t.worse(c, t.h[0]) {
		return
	}
	t.h[0] = c
	t.down(0)
}

func (t *topk) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.worse(t.h[i], t.h[p]) {
			return
		}
		t.h[i], t.h[p] = t.h[p], t.h[i]
		i = p
	}
}

func (t *topk) down(i int) {
	n := len(t.h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && t.worse(t.h[r], t.h[l]) {
			m = r
		}
		if !t.worse(t.h[m], t.h[i]) {
			return
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
}

// sorted empties the heap into a new slice, best first.
func (t *topk) sorted() []cand {
	out := make([]cand, len(t.h))
	for i := len(t.h) - 1; i >= 0; i-- {
		out[i] = t.h[0]
		t.h[0] = t.h[len(t.h)-1]
		t.h = t.h[:len(t.h)-1]
		t.down(0)
	}
	return out
}
