package protocol

import (
	"encoding/json"
	"unicode/utf8"
)

// The encoders as they were before the appenders (encode_row.go,
// encode_envelope.go): plain encoding/json. They are the reference the
// appenders must match byte for byte: the wire format did not change.

func referenceMarshalRow(v any) ([]byte, error) {
	v = asPointer(v)
	if b, ok, err := marshalExact(v); ok {
		return b, err
	}
	return json.Marshal(v)
}

func referenceEncodeEnvelope(e *Envelope) ([]byte, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	head := envelopeWire{Schema: e.Schema, Entity: e.Entity, Op: e.Op, ID: e.ID, IDB64: exactBytes(e.ID),
		Version: e.Version, Lineage: e.Lineage}
	head.setEmbeddings(e)
	out, err := json.Marshal(&head)
	if err != nil || len(e.Data) == 0 {
		return out, err
	}
	out = append(out[:len(out)-1], `,"data":`...)
	out = append(out, e.Data...)
	return append(out, '}'), nil
}

func (w *envelopeWire) setEmbeddings(e *Envelope) {
	if !e.Listed {
		return
	}
	ids := e.Embeddings
	if ids == nil {
		ids = []string{}
	}
	for _, id := range ids {
		if !utf8.ValidString(id) {
			w.EmbeddingsB64 = make([][]byte, len(ids))
			for i, id := range ids {
				w.EmbeddingsB64[i] = []byte(id)
			}
			return
		}
	}
	w.Embeddings = &ids
}

// marshalExact encodes a row whose ids need companions; ok is false when
// none does (the plain encoding is exact).
func marshalExact(v any) (b []byte, ok bool, err error) {
	switch r := v.(type) {
	case *Episode:
		if x := exactBytes(r.EpisodeID); x != nil {
			b, err = json.Marshal(&episodeWire{Episode: *r, IDB64: x})
			return b, true, err
		}
	case *Pattern:
		if x := exactBytes(r.PatternID); x != nil {
			b, err = json.Marshal(&patternWire{Pattern: *r, IDB64: x})
			return b, true, err
		}
	case *Embedding:
		id, item := exactBytes(r.EmbeddingID), exactBytes(r.ItemID)
		if id != nil || item != nil {
			b, err = json.Marshal(&embeddingWire{Embedding: *r, IDB64: id, ItemB64: item})
			return b, true, err
		}
	}
	return nil, false, nil
}

// asPointer lets referenceMarshalRow take rows by value or by pointer.
func asPointer(v any) any {
	switch r := v.(type) {
	case Episode:
		return &r
	case Pattern:
		return &r
	case Embedding:
		return &r
	}
	return v
}
