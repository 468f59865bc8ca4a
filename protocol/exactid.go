package protocol

import (
	"encoding/json"
	"unicode/utf8"
)

// JSON strings are Unicode: encoding/json replaces every byte that is not
// valid UTF-8 with U+FFFD, so an id another system wrote as arbitrary TEXT
// would reach a consumer changed (and two ids could become one), while the
// subject token keeps its bytes. Such an id therefore also travels base64 in
// a "<field>_b64" companion, which decoders prefer. Valid UTF-8 ids are
// encoded exactly as before (no companion).
//
// INVARIANT 1.1: every id decoded from a body is byte for byte the id that was
// encoded, and the one its subject token carries (FuzzIDRoundTrip).

// exactBytes returns the bytes of an id the plain JSON string cannot carry,
// or nil when it can.
func exactBytes(id string) []byte {
	if utf8.ValidString(id) {
		return nil
	}
	return []byte(id)
}

// preferExact is the decoded id: the companion's bytes when it is present.
func preferExact(plain string, exact []byte) string {
	if exact != nil {
		return string(exact)
	}
	return plain
}

// envelopeWire is an Envelope as on the wire.
type envelopeWire struct {
	Schema  int             `json:"schema"`
	Entity  Entity          `json:"entity"`
	Op      Op              `json:"op"`
	ID      string          `json:"id"`
	IDB64   []byte          `json:"id_b64,omitempty"`
	Version uint64          `json:"version"`
	Lineage string          `json:"lineage"`
	Data    json.RawMessage `json:"data,omitempty"`
	// one of the two, for an episode upsert: the owned embeddings' ids
	// (the _b64 form when one of them is not valid UTF-8)
	Embeddings    *[]string `json:"embeddings,omitempty"`
	EmbeddingsB64 [][]byte  `json:"embeddings_b64,omitempty"`
}

func (w *envelopeWire) embeddings() ([]string, bool) {
	if w.EmbeddingsB64 != nil {
		ids := make([]string, len(w.EmbeddingsB64))
		for i, b := range w.EmbeddingsB64 {
			ids[i] = string(b)
		}
		return ids, true
	}
	if w.Embeddings != nil {
		return *w.Embeddings, true
	}
	return nil, false
}

type episodeWire struct {
	Episode
	IDB64 []byte `json:"episode_id_b64,omitempty"`
}

type patternWire struct {
	Pattern
	IDB64 []byte `json:"pattern_id_b64,omitempty"`
}

type embeddingWire struct {
	Embedding
	IDB64   []byte `json:"embedding_id_b64,omitempty"`
	ItemB64 []byte `json:"item_id_b64,omitempty"`
}
