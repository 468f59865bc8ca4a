package protocol

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The fast paths' readers of one value and their matching of keys to
// fields, each exactly encoding/json's for what it accepts (decode_scan.go).

// plainString is the string token at b[i] when decoding it needs no work
// (no escape, valid UTF-8: encoding/json returns its bytes as they are).
func plainString(b []byte, i int) (s []byte, end int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	end, plain, ok := scanString(b, i)
	if !ok || !plain || !utf8.Valid(b[i+1:end-1]) {
		return nil, 0, false
	}
	return b[i+1 : end-1], end, true
}

// stringValue decodes the string token at b[i] as encoding/json does into a
// string field; a token that is not a string is not ok (null included).
func stringValue(b []byte, i int) (s string, end int, ok bool) {
	if raw, end, ok := plainString(b, i); ok {
		return string(raw), end, true
	}
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	if end, _, ok = scanString(b, i); !ok || json.Unmarshal(b[i:end], &s) != nil {
		return "", 0, false
	}
	return s, end, true
}

// intToken is the plain integer token at b[i] (what encoding/json accepts
// for an integer field), as text.
func intToken(b []byte, i int) (tok []byte, end int, ok bool) {
	end, integer, ok := scanNumber(b, i)
	if !ok || !integer {
		return nil, 0, false
	}
	return b[i:end], end, true
}

func int64Value(b []byte, i int) (int64, int, bool) {
	tok, end, ok := intToken(b, i)
	if !ok {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(string(tok), 10, 64)
	return n, end, err == nil
}

func intValue(b []byte, i int) (int, int, bool) {
	tok, end, ok := intToken(b, i)
	if !ok {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(string(tok), 10, strconv.IntSize)
	return int(n), end, err == nil
}

func uint64Value(b []byte, i int) (uint64, int, bool) {
	tok, end, ok := intToken(b, i)
	if !ok {
		return 0, 0, false
	}
	n, err := strconv.ParseUint(string(tok), 10, 64)
	return n, end, err == nil
}

// keyUnsafe marks a key the fast path cannot match the way encoding/json
// does (escaped, not ASCII, or equal to a field name only case-folded);
// keyUnknown one it ignores, as encoding/json does.
const (
	keyUnknown = -1
	keyUnsafe  = -2
)

// fieldOf is the index in names of the field a key decodes into, keyUnknown
// or keyUnsafe. names must list every field of the reference's struct.
func fieldOf(key []byte, plain bool, names []string) int {
	if !plain {
		return keyUnsafe
	}
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return keyUnsafe
		}
	}
	for _, n := range names {
		if asciiEqualFold(key, n) {
			return keyUnsafe
		}
	}
	return keyUnknown
}

func asciiEqualFold(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i, c := range key {
		if lower(c) != lower(name[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
