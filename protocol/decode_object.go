package protocol

// object walks the members of one JSON object for a fast path
// (decode_scan.go): next reads a key, then one value reader consumes its
// value. Any false return means "ask the reference".
type object struct {
	b    []byte
	i    int    // the next byte to read
	n    int    // members read
	seen uint64 // fields already read: a duplicate key goes to the reference
}

// openObject starts at the object at b[i] (leading space allowed).
func openObject(b []byte, i int) (object, bool) {
	i = skipWS(b, i)
	if i >= len(b) || b[i] != '{' {
		return object{}, false
	}
	return object{b: b, i: i + 1}, true
}

// next reads the next member's key and returns the field of names it
// decodes into (or keyUnknown), leaving the object at the member's value;
// done is true once the closing brace is read. ok is false for malformed
// input, an unsafe key or a duplicate field.
func (o *object) next(names []string) (field int, done, ok bool) {
	b, i := o.b, skipWS(o.b, o.i)
	if i >= len(b) {
		return 0, false, false
	}
	if b[i] == '}' {
		o.i = i + 1
		return 0, true, true
	}
	if o.n > 0 {
		if b[i] != ',' {
			return 0, false, false
		}
		if i = skipWS(b, i+1); i >= len(b) {
			return 0, false, false
		}
	}
	if b[i] != '"' {
		return 0, false, false
	}
	end, plain, ok := scanString(b, i)
	if !ok {
		return 0, false, false
	}
	field = fieldOf(b[i+1:end-1], plain, names)
	if field == keyUnsafe {
		return 0, false, false
	}
	if field >= 0 {
		if o.seen&(1<<field) != 0 {
			return 0, false, false
		}
		o.seen |= 1 << field
	}
	if i = skipWS(b, end); i >= len(b) || b[i] != ':' {
		return 0, false, false
	}
	o.i, o.n = skipWS(b, i+1), o.n+1
	return field, false, true
}

// skip validates the current value and moves past it.
func (o *object) skip() bool {
	end, ok := skipValue(o.b, o.i, 1)
	o.i = end
	return ok
}

// raw validates the current value and returns its bytes (capped: an
// append never writes into what follows).
func (o *object) raw() ([]byte, bool) {
	start := o.i
	if !o.skip() {
		return nil, false
	}
	return o.b[start:o.i:o.i], true
}

func (o *object) str() (string, bool) {
	s, end, ok := stringValue(o.b, o.i)
	o.i = end
	return s, ok
}

// plain returns the current value's bytes when it is a plain string (see
// plainString).
func (o *object) plain() ([]byte, bool) {
	s, end, ok := plainString(o.b, o.i)
	o.i = end
	return s, ok
}

// isString validates the current value as a string token of any content.
func (o *object) isString() bool {
	if o.i >= len(o.b) || o.b[o.i] != '"' {
		return false
	}
	return o.skip()
}

func (o *object) int64() (int64, bool) {
	n, end, ok := int64Value(o.b, o.i)
	o.i = end
	return n, ok
}

func (o *object) int() (int, bool) {
	n, end, ok := intValue(o.b, o.i)
	o.i = end
	return n, ok
}

func (o *object) uint64() (uint64, bool) {
	n, end, ok := uint64Value(o.b, o.i)
	o.i = end
	return n, ok
}

// end reports whether only space follows the object (a whole document).
func (o *object) end() bool { return skipWS(o.b, o.i) == len(o.b) }
