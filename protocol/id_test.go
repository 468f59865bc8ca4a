package protocol

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// rawIDs are ids another system may have written as TEXT. The first two
// collide if invalid bytes are replaced by U+FFFD.
var rawIDs = []string{"ep-\xff", "ep-\xfe", "\xc3", "a\x00\xffb", "", "ep-1", "ünï.code", "\ufffd"}

func TestEnvelopeCarriesIDsByteExact(t *testing.T) {
	seen := map[string]string{}
	for _, id := range rawIDs {
		env := &Envelope{Schema: 1, Entity: EntityEpisode, Op: OpDelete, ID: id, Version: 7, Lineage: "0123456789abcdef"}
		b, err := EncodeEnvelope(env)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeEnvelope(b)
		if err != nil || back.ID != id {
			t.Fatalf("id %q came back as %q (%v) from %s", id, back.ID, err, b)
		}
		if other, dup := seen[string(b)]; dup {
			t.Fatalf("ids %q and %q encode to the same body %s", other, id, b)
		}
		seen[string(b)] = id
		// Backward compatible: a valid UTF-8 id is encoded as before.
		if hasB64 := bytes.Contains(b, []byte(`"id_b64"`)); hasB64 == utf8.ValidString(id) {
			t.Fatalf("id %q: id_b64 present = %v in %s", id, hasB64, b)
		}
	}
}

func TestRowsCarryIDsByteExact(t *testing.T) {
	for _, id := range rawIDs {
		owner := id + "\xfe"
		ep, err := roundTrip(&Episode{EpisodeID: id}, DecodeEpisode)
		if err != nil || ep.EpisodeID != id {
			t.Fatalf("episode %q came back as %q (%v)", id, ep.EpisodeID, err)
		}
		p, err := roundTrip(&Pattern{PatternID: id}, DecodePattern)
		if err != nil || p.PatternID != id {
			t.Fatalf("pattern %q came back as %q (%v)", id, p.PatternID, err)
		}
		emb := &Embedding{EmbeddingID: id, ItemID: owner, ItemType: "pattern", Dimension: 1, DType: DTypeF32LE, Vector: EncodeVector([]float32{1})}
		m, err := roundTrip(emb, DecodeEmbedding)
		if err != nil || m.EmbeddingID != id || m.ItemID != owner {
			t.Fatalf("embedding %q/%q came back as %q/%q (%v)", id, owner, m.EmbeddingID, m.ItemID, err)
		}
	}
}

func roundTrip[T any](row *T, decode func([]byte) (*T, error)) (*T, error) {
	b, err := MarshalRow(row)
	if err != nil {
		return new(T), err
	}
	return decode(b)
}

// Decoders prefer the byte-exact companion, whatever the plain field says.
func TestDecodersPreferB64(t *testing.T) {
	cases := []struct {
		name, body, want string
		decode           func([]byte) (string, error)
	}{
		{"envelope", `{"schema":1,"entity":"episode","op":"delete","id":"x\ufffd","id_b64":"eP8=","version":1}`, "x\xff",
			func(b []byte) (string, error) {
				e, err := DecodeEnvelope(b)
				return idOr(e, err, func(e *Envelope) string { return e.ID })
			}},
		{"episode", `{"episode_id":"x","episode_id_b64":"eP8="}`, "x\xff",
			func(b []byte) (string, error) {
				e, err := DecodeEpisode(b)
				return idOr(e, err, func(e *Episode) string { return e.EpisodeID })
			}},
		{"pattern", `{"pattern_id":"x","pattern_id_b64":"eP8="}`, "x\xff",
			func(b []byte) (string, error) {
				p, err := DecodePattern(b)
				return idOr(p, err, func(p *Pattern) string { return p.PatternID })
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.decode([]byte(tc.body))
			if err != nil || got != tc.want {
				t.Fatalf("got %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}

func idOr[T any](v *T, err error, id func(*T) string) (string, error) {
	if err != nil {
		return "", err
	}
	return id(v), nil
}
