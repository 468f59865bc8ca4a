package protocol

import (
	"encoding/json"
	"fmt"
)

// envelopeFields are the JSON names of every field of envelopeWire
// (TestFastPathsNameEveryField checks the list against the struct): a key
// that matches one of them only case-folded goes to the reference.
var envelopeFields = []string{"schema", "entity", "op", "id", "id_b64", "version", "lineage", "data",
	"embeddings", "embeddings_b64"}

const (
	envSchema = iota
	envEntity
	envOp
	envID
	envIDB64
	envVersion
	envLineage
	envData
	envEmbeddings
	envEmbeddingsB64
)

var (
	entityNames = []string{string(EntityEpisode), string(EntityPattern), string(EntityEmbedding)}
	opNames     = []string{string(OpUpsert), string(OpDelete)}
)

// DecodeEnvelope parses and validates an entity message body; the id is
// taken from "id_b64" when present. Data is a sub-slice of b, not a copy:
// b must not change while the envelope is in use (a NATS message's data
// never does: nats.go gives every delivered message its own buffer).
//
// One pass over b decodes the form EncodeEnvelope writes (any key order
// and spacing); anything else, malformed input included, is decoded by the
// json.Unmarshal reference, which is the definition of what is accepted
// (FuzzDecodeEnvelopeFastVsReference).
func DecodeEnvelope(b []byte) (*Envelope, error) {
	e, ok := decodeEnvelopeFast(b)
	if !ok {
		return decodeEnvelopeReference(b)
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	return e, nil
}

// decodeEnvelopeReference is the definition of DecodeEnvelope: the body
// through json.Unmarshal (Data is then a copy).
func decodeEnvelopeReference(b []byte) (*Envelope, error) {
	var w envelopeWire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	e := Envelope{Schema: w.Schema, Entity: w.Entity, Op: w.Op, ID: preferExact(w.ID, w.IDB64),
		Version: w.Version, Lineage: w.Lineage, Data: w.Data}
	e.Embeddings, e.Listed = w.embeddings()
	if err := e.validate(); err != nil {
		return nil, err
	}
	return &e, nil
}

// decodeEnvelopeFast decodes b as the reference would, before validation;
// ok is false when b needs the reference (see decode_scan.go). The _b64
// companions (ids that are not UTF-8) and a null "data" always do.
func decodeEnvelopeFast(b []byte) (*Envelope, bool) {
	o, ok := openObject(b, 0)
	if !ok {
		return nil, false
	}
	e := &Envelope{}
	for {
		f, done, ok := o.next(envelopeFields)
		if !ok {
			return nil, false
		}
		if done {
			return e, o.end()
		}
		var s string
		switch f {
		case envSchema:
			e.Schema, ok = o.int()
		case envEntity:
			s, ok = o.oneOf(entityNames)
			e.Entity = Entity(s)
		case envOp:
			s, ok = o.oneOf(opNames)
			e.Op = Op(s)
		case envID:
			e.ID, ok = o.str()
		case envVersion:
			e.Version, ok = o.uint64()
		case envLineage:
			e.Lineage, ok = o.str()
		case envData:
			e.Data, ok = o.raw()
			ok = ok && e.Data[0] != 'n'
		case envEmbeddings:
			e.Embeddings, ok = o.strings()
			e.Listed = true
		case keyUnknown:
			ok = o.skip()
		default:
			ok = false
		}
		if !ok {
			return nil, false
		}
	}
}

// oneOf decodes a string value, returning the constant of names it equals
// without allocating.
func (o *object) oneOf(names []string) (string, bool) {
	if raw, end, ok := plainString(o.b, o.i); ok {
		for _, n := range names {
			if string(raw) == n {
				o.i = end
				return n, true
			}
		}
	}
	return o.str()
}

// strings decodes an array of strings (an empty array is empty, not nil,
// as encoding/json makes it); null is not ok.
func (o *object) strings() ([]string, bool) {
	b, i := o.b, o.i
	if i >= len(b) || b[i] != '[' {
		return nil, false
	}
	ids := []string{}
	if i = skipWS(b, i+1); i < len(b) && b[i] == ']' {
		o.i = i + 1
		return ids, true
	}
	for {
		s, end, ok := stringValue(b, i)
		if !ok {
			return nil, false
		}
		ids = append(ids, s)
		switch i = skipWS(b, end); {
		case i >= len(b):
			return nil, false
		case b[i] == ',':
			i = skipWS(b, i+1)
		case b[i] == ']':
			o.i = i + 1
			return ids, true
		default:
			return nil, false
		}
	}
}
