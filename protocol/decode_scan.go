package protocol

import "encoding/binary"

// A validating JSON scanner for the decoders' fast paths (decode_envelope.go,
// decode_rows.go). It never decides a rejection: whenever it meets anything
// it does not handle exactly like encoding/json (an error, an escaped or
// case-folded key, a duplicate, a null, a number that is not a plain
// integer, a nesting deeper than maxFastDepth), it gives up and the caller
// runs the json.Unmarshal reference, which decides. Equivalence with the
// reference is what FuzzDecodeFastVsReference and its siblings check.

// maxFastDepth is how deep the fast path nests; deeper input goes to the
// reference (whose own limit is 10000).
const maxFastDepth = 512

// plainByte[c] is true for a byte that stands for itself inside a JSON
// string: not '"', not '\\', not a control character.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString validates the string token at b[i] == '"' and returns the
// index after it; plain is true when it has no escape.
func scanString(b []byte, i int) (end int, plain, ok bool) {
	plain = true
	for i++; i < len(b); {
		for i+8 <= len(b) && !special8(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		if i >= len(b) {
			break
		}
		if plainByte[b[i]] {
			i++
			continue
		}
		switch b[i] {
		case '"':
			return i + 1, plain, true
		case '\\':
			plain = false
			if i+1 >= len(b) {
				return 0, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					return 0, false, false
				}
				i += 6
			default:
				return 0, false, false
			}
		default: // a control character
			return 0, false, false
		}
	}
	return 0, false, false
}

const (
	ones = 0x0101010101010101
	high = 0x8080808080808080
)

// special8 reports whether one of the 8 bytes of w is '"', '\\' or a
// control character (each term is exact as a whole: a borrow only runs on
// from a byte that already matched).
func special8(w uint64) bool {
	q, bs := w^(ones*'"'), w^(ones*'\\')
	return ((q-ones)&^q|(bs-ones)&^bs|(w-ones*0x20)&^w)&high != 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanNumber validates the number token at b[i] and returns the index after
// it; integer is true when it has neither fraction nor exponent.
func scanNumber(b []byte, i int) (end int, integer, ok bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	default:
		return 0, false, false
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		integer = false
		if i++; i >= len(b) || !isDigit(b[i]) {
			return 0, false, false
		}
		for ; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		if i++; i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return 0, false, false
		}
		for ; i < len(b) && isDigit(b[i]); i++ {
		}
	}
	return i, integer, true
}

// skipValue validates the value starting at b[i] (no leading space) and
// returns the index after it.
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; {
	case c == '"':
		end, _, ok := scanString(b, i)
		return end, ok
	case c == '{', c == '[':
		return skipContainer(b, i, depth+1)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	default:
		end, _, ok := scanNumber(b, i)
		return end, ok
	}
}

func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return 0, false
}

// skipContainer validates the object or array at b[i].
func skipContainer(b []byte, i, depth int) (int, bool) {
	if depth > maxFastDepth {
		return 0, false
	}
	closer, object := byte(']'), b[i] == '{'
	if object {
		closer = '}'
	}
	if i = skipWS(b, i+1); i < len(b) && b[i] == closer {
		return i + 1, true
	}
	for {
		var ok bool
		if object {
			if i >= len(b) || b[i] != '"' {
				return 0, false
			}
			if i, _, ok = scanString(b, i); !ok {
				return 0, false
			}
			if i = skipWS(b, i); i >= len(b) || b[i] != ':' {
				return 0, false
			}
			i = skipWS(b, i+1)
		}
		if i, ok = skipValue(b, i, depth); !ok {
			return 0, false
		}
		switch i = skipWS(b, i); {
		case i >= len(b):
			return 0, false
		case b[i] == ',':
			i = skipWS(b, i+1)
		case b[i] == closer:
			return i + 1, true
		default:
			return 0, false
		}
	}
}
