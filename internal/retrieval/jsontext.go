package retrieval

import "strconv"

// keepFunc selects string values of a JSON column by position: depth is
// the number of containers around the value, member whether it is an
// object member.
type keepFunc func(depth int, member bool) bool

// textWalker collects the selected string values of a JSON column.
type textWalker struct {
	s    scanner
	buf  []byte // unescape scratch
	out  []byte // kept values, each followed by a space
	keep keepFunc
}

// walkStrings appends to out every string value of the JSON text b that
// keep selects, each followed by a space. It reports false when b is not
// valid JSON (out then holds a prefix). buf is unescape scratch; both are
// returned grown.
func walkStrings(b, buf, out []byte, keep keepFunc) (ok bool, _, _ []byte) {
	w := textWalker{s: scanner{b: b}, buf: buf, out: out, keep: keep}
	ok = w.value(0, false) && w.s.end()
	return ok, w.buf, w.out
}

func (w *textWalker) value(depth int, member bool) bool {
	s := &w.s
	s.ws()
	switch s.peek() {
	case '"':
		val, buf, ok := s.strValue(w.buf)
		if w.buf = buf; !ok {
			return false
		}
		if w.keep(depth, member) {
			w.out = append(append(w.out, val...), ' ')
		}
		return true
	case '{':
		return s.object(func([]byte, bool) bool { return w.value(depth+1, true) })
	case '[':
		return s.array(func() bool { return w.value(depth+1, false) })
	}
	return s.skip()
}

// looksJSON reports whether a column's text is worth parsing as JSON: it
// starts (after spaces) with an object, array or string. Other text
// (including bare numbers) is indexed as it is.
func looksJSON(b []byte) bool {
	s := scanner{b: b}
	s.ws()
	switch s.peek() {
	case '{', '[', '"':
		return true
	}
	return false
}

// parseReward reads an episode's reward column: an object with a numeric
// "total", or a bare number; clamped to [0,1]; anything else is 0.
func parseReward(b []byte) float64 {
	s := scanner{b: b}
	s.ws()
	var v float64
	switch c := s.peek(); {
	case c == '{':
		ok := s.object(func(key []byte, plain bool) bool {
			if plain && string(key) == "total" && isNumStart(s.peek()) {
				raw, ok := s.number()
				v, _ = strconv.ParseFloat(string(raw), 64)
				return ok
			}
			return s.skip()
		})
		if !ok || !s.end() {
			return 0
		}
	case isNumStart(c):
		raw, ok := s.number()
		if !ok || !s.end() {
			return 0
		}
		v, _ = strconv.ParseFloat(string(raw), 64)
	}
	return clamp01(v)
}

func isNumStart(c byte) bool { return c == '-' || c >= '0' && c <= '9' }

// clamp01 clamps v to [0,1]; NaN is 0.
func clamp01(v float64) float64 {
	switch {
	case v > 1:
		return 1
	case v >= 0:
		return v
	}
	return 0 // negative or NaN
}
