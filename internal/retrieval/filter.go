package retrieval

import "math"

// filter is a Query's Filter, Kind and Exclude compiled against the index:
// the values become interned ids so the search loops compare integers.
type filter struct {
	kinds   uint8 // bit 1<<kind per admitted kind
	meta    bool  // a metadata constraint is set: entities without a document fail
	domain  int32 // 0 = any
	task    int32
	lang    int32
	since   int64
	exclude int32 // -1 = none
	none    bool  // a value no cached entity has: nothing can match
}

func (x *Index) compileFilter(q *Query, k kind) filter {
	f := filter{kinds: 1<<kindEpisode | 1<<kindPattern, exclude: -1}
	if k != 0 {
		f.kinds = 1 << k
	}
	qf := q.Filter
	f.meta = !qf.empty()
	f.domain = x.docs.vals.lookup(qf.Domain)
	f.task = x.docs.vals.lookup(qf.TaskType)
	f.lang = x.docs.vals.lookup(qf.Language)
	f.none = f.domain < 0 || f.task < 0 || f.lang < 0
	if qf.TaskType != "" {
		f.kinds &^= 1 << kindPattern
	}
	f.since = qf.Since
	if f.since == 0 {
		f.since = math.MinInt64
	}
	if ex := q.Exclude; ex != nil {
		if ek := docKind(ex.Kind); ek != 0 {
			if s, ok := x.docs.find(ek, ex.ID); ok {
				f.exclude = s
			}
		}
	}
	return f
}

// pass reports whether slot s (with metadata m) is a candidate.
func (f *filter) pass(m *docMeta, s int32) bool {
	if f.kinds&(1<<m.kind) == 0 || s == f.exclude {
		return false
	}
	if !f.meta {
		return true
	}
	if !m.present {
		return false
	}
	return (f.domain == 0 || m.domain == f.domain) && (f.task == 0 || m.task == f.task) &&
		(f.lang == 0 || m.lang == f.lang) && m.time >= f.since
}
