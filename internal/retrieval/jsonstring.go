package retrieval

import (
	"encoding/binary"
	"math/bits"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// strSpecial marks the bytes that end the fast path of a string body.
var strSpecial = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf
	}
	return t
}()

// str reads a string, validating it. raw is its body between the quotes;
// plain means raw is already the value (no escapes, valid UTF-8).
func (s *scanner) str() (raw []byte, plain, ok bool) {
	b := s.b
	if s.i >= len(b) || b[s.i] != '"' {
		return nil, false, false
	}
	start, j := s.i+1, s.i+1
	plain, high := true, false
	for {
		if j = plainRun(b, j); j >= len(b) {
			return nil, false, false
		}
		switch c := b[j]; {
		case c == '"':
			s.i = j + 1
			raw = b[start:j]
			if high && plain && !utf8.Valid(raw) {
				plain = false
			}
			return raw, plain, true
		case c == '\\':
			n := escLen(b[j:])
			if n == 0 {
				return nil, false, false
			}
			plain = false
			j += n
		case c < 0x20:
			return nil, false, false
		default:
			high = true
			j++
		}
	}
}

// strValue reads a string and returns its value: a view of the input when
// it has no escapes and is valid UTF-8, else decoded into buf (exactly as
// encoding/json decodes it: bad surrogates and invalid UTF-8 become
// U+FFFD). It returns buf, grown, for reuse.
func (s *scanner) strValue(buf []byte) (val, _ []byte, ok bool) {
	b := s.b
	if s.i >= len(b) || b[s.i] != '"' {
		return nil, buf, false
	}
	start, seg, j := s.i+1, s.i+1, s.i+1
	copying := false // the value is being built in buf from b[start:seg]
	for {
		if j = plainRun(b, j); j >= len(b) {
			return nil, buf, false
		}
		c := b[j]
		switch {
		case c == '"':
			s.i = j + 1
			if !copying {
				return b[start:j], buf, true
			}
			buf = append(buf, b[seg:j]...)
			return buf, buf, true
		case c == '\\':
			if escLen(b[j:]) == 0 {
				return nil, buf, false
			}
			buf, copying = s.flushSeg(buf, copying, start, seg, j)
			if e := b[j+1]; e == '"' || e == '\\' || e == '/' {
				seg, j = j+1, j+2 // the escaped byte opens the next segment
				continue
			}
			var n int
			buf, n = unescapeOne(buf, b[j:])
			j += n
			seg = j
		case c < 0x20:
			return nil, buf, false
		default:
			r, size := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && size == 1 {
				buf, copying = s.flushSeg(buf, copying, start, seg, j)
				buf = utf8.AppendRune(buf, r)
				seg = j + 1
			}
			j += size
		}
	}
}

// flushSeg switches strValue to copying (buf starts over with the prefix
// b[start:j]) or appends the pending segment b[seg:j].
func (s *scanner) flushSeg(buf []byte, copying bool, start, seg, j int) ([]byte, bool) {
	if !copying {
		return append(buf[:0], s.b[start:j]...), true
	}
	return append(buf, s.b[seg:j]...), true
}

// plainRun returns the index of the first byte at or after j that ends the
// fast path of a string body (quote, backslash, control, non-ASCII), or
// len(b). It tests eight bytes at a time.
func plainRun(b []byte, j int) int {
	for ; j+8 <= len(b); j += 8 {
		if m := special8(binary.LittleEndian.Uint64(b[j:])); m != 0 {
			return j + bits.TrailingZeros64(m)/8
		}
	}
	for j < len(b) && !strSpecial[b[j]] {
		j++
	}
	return j
}

// special8 flags (high bit of each byte) the quote, backslash, control and
// non-ASCII bytes of a little-endian word. Borrows can flag bytes above a
// flagged one, never below, so the lowest flag is exact.
func special8(w uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q, bs := w^(lo*'"'), w^(lo*'\\')
	return ((q-lo)&^q | (bs-lo)&^bs | (w - lo*0x20) | w) & hi
}

// escLen is the length of the valid escape sequence starting e, or 0.
func escLen(e []byte) int {
	if len(e) < 2 {
		return 0
	}
	switch e[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if getu4(e) < 0 {
			return 0
		}
		return 6
	}
	return 0
}

// getu4 decodes \uXXXX at the start of e, or returns -1.
func getu4(e []byte) rune {
	if len(e) < 6 || e[0] != '\\' || e[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range e[2:6] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unescapeOne decodes the escape at e[0] and returns how many bytes it used.
func unescapeOne(dst, e []byte) ([]byte, int) {
	switch e[1] {
	case 'b':
		return append(dst, '\b'), 2
	case 'f':
		return append(dst, '\f'), 2
	case 'n':
		return append(dst, '\n'), 2
	case 'r':
		return append(dst, '\r'), 2
	case 't':
		return append(dst, '\t'), 2
	case 'u':
		r := getu4(e)
		if utf16.IsSurrogate(r) {
			if dec := utf16.DecodeRune(r, getu4(e[6:])); dec != unicode.ReplacementChar {
				return utf8.AppendRune(dst, dec), 12
			}
			r = unicode.ReplacementChar
		}
		return utf8.AppendRune(dst, r), 6
	}
	return append(dst, e[1]), 2
}
