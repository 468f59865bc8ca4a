package protocol

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func goldenSeeds(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{}`))
}

// Decoders never panic, and what they accept re-encodes to something they accept.
func FuzzDecodeEnvelope(f *testing.F) {
	goldenSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := DecodeEnvelope(b)
		if err != nil {
			return
		}
		out, err := EncodeEnvelope(env)
		if err != nil {
			t.Fatalf("accepted envelope does not re-encode: %v", err)
		}
		if _, err := DecodeEnvelope(out); err != nil {
			t.Fatalf("re-encoded envelope rejected: %v", err)
		}
	})
}

func FuzzDecodeCheckpoint(f *testing.F) {
	goldenSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = DecodeCheckpoint(b) })
}

func FuzzDecodeRows(f *testing.F) {
	goldenSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecodeEpisode(b)
		_, _ = DecodePattern(b)
		if e, err := DecodeEmbedding(b); err == nil {
			if v, err := DecodeVector(e.Vector); err != nil || len(v) != e.Dimension {
				t.Fatalf("validated embedding has a bad vector: %v", err)
			}
		}
	})
}

func FuzzDecodeTrigger(f *testing.F) {
	f.Add([]byte(`{"mode":"full","target":"w1","reason":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = DecodeTrigger(b) })
}

func FuzzDecodeID(f *testing.F) {
	f.Add("ep-1")
	f.Add("~aGVsbG8")
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > MaxIDLen {
			return
		}
		tok, err := EncodeID(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeID(tok)
		if err != nil || back != s {
			t.Fatalf("round trip %q -> %q -> %q (%v)", s, tok, back, err)
		}
		_, _ = DecodeID(s)
	})
}

func FuzzDecodeHeartbeat(f *testing.F) {
	f.Add([]byte(`{"schema":1,"lineage":"x","head":3,"cursor":2,"at_ms":1}`))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = DecodeHeartbeat(b) })
}

// Arbitrary id bytes survive every place an id travels: the subject token,
// the parsed subject, the envelope and the row data (episode_id, pattern_id,
// embedding_id, item_id). Different ids never share a token or a body.
func FuzzIDRoundTrip(f *testing.F) {
	for _, id := range rawIDs {
		f.Add([]byte(id), []byte(id+"x"))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		id, other := string(a), string(b)
		if len(id) > MaxIDLen || len(other) > MaxIDLen {
			return
		}
		tokA := subjectRoundTrip(t, id)
		envA := envelopeRoundTrip(t, id)
		rowRoundTrip(t, id, other)
		if id != other && (tokA == subjectRoundTrip(t, other) || bytes.Equal(envA, envelopeRoundTrip(t, other))) {
			t.Fatalf("ids %q and %q collide", id, other)
		}
	})
}

func subjectRoundTrip(t *testing.T, id string) string {
	subj, err := EntitySubject("default", EntityEmbedding, id)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseSubject(subj)
	if err != nil || p.ID != id {
		t.Fatalf("subject %q: id %q came back as %q (%v)", subj, id, p.ID, err)
	}
	return subj
}

func envelopeRoundTrip(t *testing.T, id string) []byte {
	data, err := MarshalRow(&Episode{EpisodeID: id})
	if err != nil {
		t.Fatal(err)
	}
	body, err := EncodeEnvelope(&Envelope{Schema: 1, Entity: EntityEpisode, Op: OpUpsert, ID: id, Version: 1, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	env, err := DecodeEnvelope(body)
	if err != nil || env.ID != id {
		t.Fatalf("envelope %s: id %q came back as %q (%v)", body, id, env.ID, err)
	}
	if ep, err := DecodeEpisode(env.Data); err != nil || ep.EpisodeID != id {
		t.Fatalf("episode_id %q came back as %q (%v)", id, ep.EpisodeID, err)
	}
	return body
}

func rowRoundTrip(t *testing.T, id, owner string) {
	p, err := roundTrip(&Pattern{PatternID: id}, DecodePattern)
	if err != nil || p.PatternID != id {
		t.Fatalf("pattern_id %q came back as %q (%v)", id, p.PatternID, err)
	}
	emb := &Embedding{EmbeddingID: id, ItemID: owner, ItemType: "episode", Dimension: 1, DType: DTypeF32LE, Vector: EncodeVector([]float32{1})}
	m, err := roundTrip(emb, DecodeEmbedding)
	if err != nil || m.EmbeddingID != id || m.ItemID != owner {
		t.Fatalf("embedding %q/%q came back as %q/%q (%v)", id, owner, m.EmbeddingID, m.ItemID, err)
	}
}
