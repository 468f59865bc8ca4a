package retrieval

import (
	"bytes"
	"encoding/base64"
	"strconv"
)

// fieldType is how encoding/json would decode a protocol row field.
type fieldType uint8

const (
	fStr    fieldType = iota // string: null leaves it
	fPtrStr                  // *string: null clears it
	fInt                     // int64: null leaves it
	fPtrInt                  // *int64: null clears it
	fFloat                   // float64: null leaves it
	fBytes                   // []byte as base64: null clears it
	fCheck                   // a string the index does not read: validated only
)

type field struct {
	name string
	typ  fieldType
}

// maxFields bounds the fields of any protocol row.
const maxFields = 18

// rowDecoder decodes the protocol rows written by protocol.MarshalRow
// without allocating: values are views into the data or into per-field
// scratch reused across rows. It gives up (ok=false) on anything
// encoding/json might read differently: escaped keys, keys matching a field
// only case-insensitively, top-level non-objects. Then the caller decodes
// with the protocol package, which is the arbiter.
type rowDecoder struct {
	s     scanner
	str   [maxFields][]byte
	buf   [maxFields][]byte
	num   [maxFields]int64
	flt   [maxFields]float64
	unesc []byte
}

// release drops the decoder's views of the last row, so a pooled decoder
// does not keep the caller's data alive.
func (d *rowDecoder) release() {
	clear(d.str[:])
	d.s = scanner{}
}

// decode reads data as an object of the given fields.
func (d *rowDecoder) decode(data []byte, fields []field) bool {
	for i := range fields {
		d.str[i], d.num[i], d.flt[i] = nil, 0, 0
	}
	d.s = scanner{b: data}
	d.s.ws()
	ok := d.s.object(func(key []byte, plain bool) bool {
		f := lookupField(fields, key)
		if f < 0 {
			// an id that is not UTF-8 travels in a *_b64 field the
			// protocol decoder prefers: leave such rows to it
			return plain && !bytes.HasSuffix(key, []byte("_b64")) && !foldsToField(fields, key) && d.s.skip()
		}
		return d.value(f, fields[f].typ)
	})
	return ok && d.s.end()
}

func lookupField(fields []field, key []byte) int {
	for i := range fields {
		if fields[i].name == string(key) {
			return i
		}
	}
	return -1
}

func foldsToField(fields []field, key []byte) bool {
	for i := range fields {
		if bytes.EqualFold([]byte(fields[i].name), key) {
			return true
		}
	}
	return false
}

// value reads field f's value, type-checked as encoding/json would.
func (d *rowDecoder) value(f int, typ fieldType) bool {
	s := &d.s
	if s.isNull() {
		switch typ {
		case fPtrStr, fBytes:
			d.str[f] = nil
		case fPtrInt:
			d.num[f] = 0
		}
		return true
	}
	switch typ {
	case fStr, fPtrStr:
		return d.stringValue(f)
	case fCheck:
		_, _, ok := s.str()
		return ok
	case fBytes:
		return d.bytesValue(f)
	case fInt, fPtrInt:
		raw, ok := s.number()
		if !ok {
			return false
		}
		n, err := strconv.ParseInt(string(raw), 10, 64)
		d.num[f] = n
		return err == nil
	default:
		raw, ok := s.number()
		if !ok {
			return false
		}
		v, err := strconv.ParseFloat(string(raw), 64)
		d.flt[f] = v
		return err == nil
	}
}

func (d *rowDecoder) stringValue(f int) bool {
	var ok bool
	d.str[f], d.buf[f], ok = d.s.strValue(d.buf[f])
	return ok
}

// bytesValue decodes a base64 string as encoding/json does for []byte.
func (d *rowDecoder) bytesValue(f int) bool {
	raw, unesc, ok := d.s.strValue(d.unesc)
	if d.unesc = unesc; !ok {
		return false
	}
	n := base64.StdEncoding.DecodedLen(len(raw))
	if cap(d.buf[f]) < n {
		d.buf[f] = make([]byte, n)
	}
	m, err := base64.StdEncoding.Decode(d.buf[f][:n], raw)
	d.str[f] = d.buf[f][:m]
	return err == nil
}
