package retrieval

import "github.com/memsync/memsync/protocol"

// Match reports whether the indexed entity passes filter f, from the
// index's metadata (no row decoding); known is false when the entity's row
// is not indexed, and the caller must decide from the row itself.
func (x *Index) Match(e protocol.Entity, id string, f Filter) (match, known bool) {
	k := docKind(e)
	if k == 0 {
		return false, false
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	s, ok := x.docs.find(k, id)
	if !ok || !x.docs.meta[s].present {
		return false, false
	}
	q := Query{Filter: f}
	cf := x.compileFilter(&q, k)
	if cf.none {
		return false, true
	}
	return cf.pass(&x.docs.meta[s], s), true
}
