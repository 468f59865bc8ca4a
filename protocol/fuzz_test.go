package protocol

import (
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
