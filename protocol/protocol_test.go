package protocol

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestEncodeIDRoundTrip(t *testing.T) {
	cases := []struct {
		id    string
		plain bool
	}{
		{"ep-123_abc", true},
		{"", false},
		{"has.dot", false},
		{"has space", false},
		{"*", false},
		{">", false},
		{"~starts-with-tilde", false},
		{"ünïcode", false},
		{strings.Repeat("a", 128), true},
		{strings.Repeat("a", 129), false},
		{strings.Repeat("x.", MaxIDLen/2), false},
	}
	for _, tc := range cases {
		tok, err := EncodeID(tc.id)
		if err != nil {
			t.Fatalf("EncodeID(%q): %v", tc.id, err)
		}
		if (tok == tc.id) != tc.plain {
			t.Fatalf("EncodeID(%q) = %q, plain=%v", tc.id, tok, tc.plain)
		}
		if strings.ContainsAny(tok, ". *>\t\n") || tok == "" {
			t.Fatalf("token %q is not a safe subject token", tok)
		}
		back, err := DecodeID(tok)
		if err != nil || back != tc.id {
			t.Fatalf("DecodeID(%q) = %q, %v; want %q", tok, back, err, tc.id)
		}
	}
	if _, err := EncodeID(strings.Repeat("a", MaxIDLen+1)); !errors.Is(err, ErrBadID) {
		t.Fatalf("oversized id: %v", err)
	}
}

func TestParseSubject(t *testing.T) {
	subj, _ := EntitySubject("default", EntityEmbedding, "a.b")
	p, err := ParseSubject(subj)
	if err != nil || p.ID != "a.b" || p.Entity != EntityEmbedding || p.DB != "default" {
		t.Fatalf("%q -> %+v %v", subj, p, err)
	}
	for _, bad := range []string{"memsync.default._checkpoint", "other.default.episode.x", "memsync.default.widget.x", "memsync.default.episode.~!!"} {
		if _, err := ParseSubject(bad); err == nil {
			t.Fatalf("ParseSubject(%q) accepted", bad)
		}
	}
}

func TestVectorRoundTrip(t *testing.T) {
	v := []float32{0, 1.5, -2.25, 3.4e38}
	got, err := DecodeVector(EncodeVector(v))
	if err != nil || len(got) != len(v) {
		t.Fatal(err)
	}
	for i := range v {
		if got[i] != v[i] {
			t.Fatalf("%d: %v != %v", i, got[i], v[i])
		}
	}
	if _, err := DecodeVector([]byte{1, 2, 3}); !errors.Is(err, ErrVector) {
		t.Fatalf("odd length: %v", err)
	}
}

func TestEnvelopeValidation(t *testing.T) {
	cases := []struct {
		name string
		body string
		want error
	}{
		{"future schema", `{"schema":2,"entity":"episode","op":"delete","id":"x","version":1}`, ErrSchema},
		{"unknown entity", `{"schema":1,"entity":"widget","op":"delete","id":"x","version":1}`, ErrBadEntity},
		{"unknown op", `{"schema":1,"entity":"episode","op":"merge","id":"x","version":1}`, ErrBadOp},
		{"version 0", `{"schema":1,"entity":"episode","op":"delete","id":"x","version":0}`, ErrMalformed},
		{"upsert without data", `{"schema":1,"entity":"episode","op":"upsert","id":"x","version":3}`, ErrMalformed},
		{"delete with data", `{"schema":1,"entity":"episode","op":"delete","id":"x","version":3,"data":{}}`, ErrMalformed},
		{"not json", `{`, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeEnvelope([]byte(tc.body)); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestEmbeddingValidate(t *testing.T) {
	ok := Embedding{EmbeddingID: "e", ItemID: "o", ItemType: "episode", Dimension: 2, DType: DTypeF32LE, Vector: EncodeVector([]float32{1, 2})}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := ok
	bad.Dimension = 3
	if err := bad.Validate(); !errors.Is(err, ErrVector) {
		t.Fatalf("dimension mismatch: %v", err)
	}
	bad = ok
	bad.ItemType = "widget"
	if err := bad.Validate(); !errors.Is(err, ErrBadEntity) {
		t.Fatalf("bad owner: %v", err)
	}
}

func TestTrigger(t *testing.T) {
	tr, err := DecodeTrigger([]byte(`{"mode":"validate"}`))
	if err != nil || tr.Target != "*" || !tr.Matches("w1") {
		t.Fatalf("%+v %v", tr, err)
	}
	if _, err := DecodeTrigger([]byte(`{"mode":"explode"}`)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad mode: %v", err)
	}
}

// Golden files pin the exact bytes of every message kind.
func TestGolden(t *testing.T) {
	lang := "rust"
	end := int64(1767225660)
	episode := Episode{EpisodeID: "ep-1", TaskType: "debugging", TaskDescription: "Fix the retry loop",
		Context: `{"language":"rust"}`, StartTime: 1767225600, EndTime: &end, Steps: `[]`, Patterns: `[]`,
		Heuristics: `[]`, Checkpoints: `[]`, Metadata: `{}`, Domain: "web-api", Language: &lang, CreatedAt: 1767225600}
	emb := Embedding{EmbeddingID: "emb.1", ItemID: "ep-1", ItemType: "episode", Dimension: 3, Model: "all-MiniLM-L6-v2",
		DType: DTypeF32LE, Vector: EncodeVector([]float32{0.5, -1, 2}), CreatedAt: 1767225600}
	pattern := Pattern{PatternID: "pat-1", PatternType: "ToolSequence", PatternData: `{"tools":["grep"]}`, SuccessRate: 0.75,
		OccurrenceCount: 3, CreatedAt: 1767225600, UpdatedAt: 1767225600}
	cases := map[string]any{
		"episode_upsert.golden":         envelopeOf(t, EntityEpisode, "ep-1", episode),
		"pattern_upsert.golden":         envelopeOf(t, EntityPattern, "pat-1", pattern),
		"embedding_upsert.golden":       envelopeOf(t, EntityEmbedding, "emb.1", emb),
		"episode_delete.golden":         &Envelope{Schema: 1, Entity: EntityEpisode, Op: OpDelete, ID: "ep-2", Version: 43, Lineage: "0123456789abcdef"},
		"episode_upsert_nonutf8.golden": nonUTF8Episode(t),
		"checkpoint.golden":             &Checkpoint{Schema: 1, Lineage: "0123456789abcdef", Cursor: 43, Head: 50, PublishedAt: 1767225600000},
	}
	for name, v := range cases {
		var got []byte
		var err error
		switch x := v.(type) {
		case *Envelope:
			got, err = EncodeEnvelope(x)
		case *Checkpoint:
			got, err = EncodeCheckpoint(x)
		}
		if err != nil {
			t.Fatal(err)
		}
		compareGolden(t, name, got)
	}
}

// nonUTF8Episode is an episode whose id another system wrote as TEXT that is
// not valid UTF-8 (bytes 0xff 0xfe): it travels in id_b64 and episode_id_b64.
func nonUTF8Episode(t *testing.T) *Envelope {
	ep := Episode{EpisodeID: "ep-\xff\xfe", TaskType: "debugging", TaskDescription: "Fix", Context: `{}`, StartTime: 1767225600,
		Steps: `[]`, Patterns: `[]`, Heuristics: `[]`, Checkpoints: `[]`, Metadata: `{}`, Domain: "web-api", CreatedAt: 1767225600}
	return envelopeOf(t, EntityEpisode, ep.EpisodeID, ep)
}

func envelopeOf(t *testing.T, e Entity, id string, row any) *Envelope {
	data, err := marshalRow(row)
	if err != nil {
		t.Fatal(err)
	}
	return &Envelope{Schema: 1, Entity: e, Op: OpUpsert, ID: id, Version: 42, Lineage: "0123456789abcdef", Data: data}
}

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./protocol -update)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), got) {
		t.Fatalf("%s changed:\n got %s\nwant %s", name, got, want)
	}
	// Every golden body decodes back.
	if strings.HasPrefix(name, "checkpoint") {
		if _, err := DecodeCheckpoint(got); err != nil {
			t.Fatal(err)
		}
		return
	}
	env, err := DecodeEnvelope(got)
	if err != nil {
		t.Fatal(err)
	}
	if env.Entity == EntityEmbedding {
		if _, err := DecodeEmbedding(env.Data); err != nil {
			t.Fatal(err)
		}
	}
}

// An episode upsert's list of owned embeddings survives the codec exactly,
// an empty list stays distinct from no list, and a list anywhere else is
// malformed.
func TestEnvelopeEmbeddingList(t *testing.T) {
	base := Envelope{Schema: SchemaVersion, Entity: EntityEpisode, Op: OpUpsert, ID: "ep", Version: 3, Lineage: "l",
		Data: []byte(`{"episode_id":"ep","start_time":1}`)}
	for _, tc := range []struct {
		name   string
		ids    []string
		listed bool
	}{
		{"no list", nil, false},
		{"empty list", nil, true},
		{"ids", []string{"em-1", "em-2"}, true},
		{"an id that is not UTF-8", []string{"em-1", "em-\xff"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base
			in.Embeddings, in.Listed = tc.ids, tc.listed
			b, err := EncodeEnvelope(&in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := DecodeEnvelope(b)
			if err != nil {
				t.Fatal(err)
			}
			if out.Listed != tc.listed || len(out.Embeddings) != len(tc.ids) {
				t.Fatalf("decoded listed=%v %q from %s, want listed=%v %q", out.Listed, out.Embeddings, b, tc.listed, tc.ids)
			}
			for i := range tc.ids {
				if out.Embeddings[i] != tc.ids[i] {
					t.Fatalf("id %d: %q, want %q", i, out.Embeddings[i], tc.ids[i])
				}
			}
		})
	}
	bad := Envelope{Schema: SchemaVersion, Entity: EntityPattern, Op: OpUpsert, ID: "p", Version: 1, Lineage: "l",
		Data: []byte(`{}`), Listed: true}
	if _, err := EncodeEnvelope(&bad); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a list on a pattern: %v, want ErrMalformed", err)
	}
}
