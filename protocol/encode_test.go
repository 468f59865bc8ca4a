package protocol

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// oddPieces are the strings the generated rows are made of: every ASCII
// control byte, the characters JSON and HTML escape, bytes that are not
// UTF-8 (lone, truncated, overlong, surrogates), U+2028/U+2029, U+FFFD
// itself and plain multi-byte text.
var oddPieces = func() []string {
	p := []string{"", "a", "ep-1", `"`, `\`, "<", ">", "&", "\x7f", "\xff", "\xfe", "\xc3", "\xe2\x80", "\xc0\x80",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\u2028", "\u2029", "\ufffd", "ünï.code", "日本語", "🙂", `{"k":[1,2]}`, "\x00",
		"\xe2\x80\xa8", "\xe2\x80\xa9x", " ", "/", "'"}
	for b := range 0x20 {
		p = append(p, string(rune(b)))
	}
	return p
}()

func oddString(r *rand.Rand) string {
	var b []byte
	for range r.IntN(6) {
		b = append(b, oddPieces[r.IntN(len(oddPieces))]...)
	}
	if r.IntN(8) == 0 { // a long text column
		b = append(b, bytes.Repeat([]byte("steps: [\"grep\", \"<b>&</b>\"]\n"), 1+r.IntN(400))...)
	}
	return string(b)
}

func oddStringPtr(r *rand.Rand) *string {
	if r.IntN(3) == 0 {
		return nil
	}
	s := oddString(r)
	return &s
}

var oddInts = []int64{0, 1, -1, 42, 1767225600, math.MaxInt64, math.MinInt64, 1 << 53, -(1 << 53) - 1}

func oddInt(r *rand.Rand) int64 {
	if r.IntN(2) == 0 {
		return oddInts[r.IntN(len(oddInts))]
	}
	return r.Int64() - r.Int64()
}

func oddIntPtr(r *rand.Rand) *int64 {
	if r.IntN(3) == 0 {
		return nil
	}
	n := oddInt(r)
	return &n
}

var oddFloats = []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 0.75, 1e-6, 9.99999e-7, 1e-7, 1e20, 1e21, 1.5e21, 1e-300,
	5e-324, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 123456789.123456789, 2.5e-9, -3e-10}

func oddFloat(r *rand.Rand) float64 {
	if r.IntN(2) == 0 {
		return oddFloats[r.IntN(len(oddFloats))]
	}
	return math.Float64frombits(r.Uint64()) // NaN and the infinities included, rarely
}

func oddVector(r *rand.Rand) []byte {
	switch r.IntN(6) {
	case 0:
		return nil
	case 1:
		return []byte{}
	}
	v := make([]byte, 4*[]int{1, 3, 384, 1536}[r.IntN(4)])
	for i := range v {
		v[i] = byte(r.Uint32())
	}
	return v
}

// oddRow is a generated Episode, Pattern or Embedding (by value or pointer).
func oddRow(r *rand.Rand) any {
	var v any
	switch r.IntN(3) {
	case 0:
		v = &Episode{EpisodeID: oddString(r), TaskType: oddString(r), TaskDescription: oddString(r), Context: oddString(r),
			StartTime: oddInt(r), EndTime: oddIntPtr(r), Steps: oddString(r), Outcome: oddStringPtr(r), Reward: oddStringPtr(r),
			Reflection: oddStringPtr(r), Patterns: oddString(r), Heuristics: oddString(r), Checkpoints: oddString(r),
			Metadata: oddString(r), Domain: oddString(r), Language: oddStringPtr(r), CreatedAt: oddInt(r), ArchivedAt: oddIntPtr(r)}
	case 1:
		v = &Pattern{PatternID: oddString(r), PatternType: oddString(r), PatternData: oddString(r), SuccessRate: oddFloat(r),
			ContextDomain: oddStringPtr(r), ContextLanguage: oddStringPtr(r), ContextTags: oddStringPtr(r),
			OccurrenceCount: oddInt(r), CreatedAt: oddInt(r), UpdatedAt: oddInt(r)}
	default:
		v = &Embedding{EmbeddingID: oddString(r), ItemID: oddString(r), ItemType: oddString(r), Dimension: int(oddInt(r)),
			Model: oddString(r), DType: oddString(r), Vector: oddVector(r), CreatedAt: oddInt(r)}
	}
	if r.IntN(4) == 0 {
		v = deref(v)
	}
	return v
}

func deref(v any) any {
	switch x := v.(type) {
	case *Episode:
		return *x
	case *Pattern:
		return *x
	case *Embedding:
		return *x
	}
	return v
}

// sameAsReference fails when the appender and the reference disagree on
// the bytes or on the error.
func sameRowAsReference(t *testing.T, v any) {
	t.Helper()
	want, wantErr := referenceMarshalRow(v)
	got, gotErr := MarshalRow(v)
	if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
		t.Fatalf("%#v: error %v, reference %v", v, gotErr, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%#v:\n got %q\nwant %q", v, got, want)
	}
	// Appending after existing bytes writes the same bytes.
	prefix := []byte("prefix")
	app, err := AppendRow(prefix, v)
	if (err == nil) != (wantErr == nil) || (err == nil && !bytes.Equal(app, append(prefix, want...))) {
		t.Fatalf("%#v: AppendRow after a prefix: %q, %v", v, app, err)
	}
}

// The row encoder writes exactly the bytes of the encoding/json encoder it
// replaced, for generated rows with odd ids and text, NULL columns, big
// embeddings and every kind of float.
func TestRowEncoderMatchesReference(t *testing.T) {
	end, lang := int64(1767225660), "rust"
	fixed := []struct {
		name string
		row  any
	}{
		{"golden episode", Episode{EpisodeID: "ep-1", TaskType: "debugging", Context: `{"language":"rust"}`, EndTime: &end, Language: &lang}},
		{"empty episode", &Episode{}},
		{"non-UTF-8 ids", &Embedding{EmbeddingID: "emb-\xff\x00x", ItemID: "ep-\xfe", ItemType: "episode", Vector: make([]byte, 1536)}},
		{"infinite success rate", &Pattern{PatternID: "p", SuccessRate: math.Inf(1)}},
		{"NaN success rate", Pattern{PatternID: "p", SuccessRate: math.NaN()}},
		{"not a row", map[string]any{"episode_id": "ep-\xff", "start_time": 1}},
	}
	for _, tc := range fixed {
		t.Run(tc.name, func(t *testing.T) { sameRowAsReference(t, tc.row) })
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		sameRowAsReference(t, oddRow(r))
	}
}

func oddEnvelope(r *rand.Rand) *Envelope {
	e := &Envelope{Schema: SchemaVersion, Entity: Entities[r.IntN(3)], Op: OpDelete, ID: oddString(r),
		Version: 1 + r.Uint64N(math.MaxUint64), Lineage: oddString(r)}
	if r.IntN(4) != 0 {
		e.Op = OpUpsert
		e.Data, _ = MarshalRow(oddRow(r))
	}
	if e.Entity == EntityEpisode && e.Op == OpUpsert && r.IntN(2) == 0 {
		e.Listed = true
		for range r.IntN(4) {
			e.Embeddings = append(e.Embeddings, oddString(r))
		}
		if e.Embeddings == nil && r.IntN(2) == 0 {
			e.Embeddings = []string{}
		}
	}
	return e
}

func sameEnvelopeAsReference(t *testing.T, e *Envelope) {
	t.Helper()
	want, wantErr := referenceEncodeEnvelope(e)
	got, gotErr := EncodeEnvelope(e)
	if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
		t.Fatalf("%+v: error %v, reference %v", e, gotErr, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%+v:\n got %q\nwant %q", e, got, want)
	}
	if gotErr == nil && len(got) != cap(got) {
		t.Fatalf("envelope of %d bytes in a buffer of %d: not sized exactly", len(got), cap(got))
	}
}

// The envelope encoder writes exactly the reference's bytes, in one buffer
// of the exact size, and refuses what it refused.
func TestEnvelopeEncoderMatchesReference(t *testing.T) {
	base := Envelope{Schema: SchemaVersion, Entity: EntityEpisode, Op: OpUpsert, ID: "ep", Version: 3, Lineage: "l",
		Data: []byte(`{"episode_id":"ep"}`)}
	with := func(f func(*Envelope)) *Envelope { e := base; f(&e); return &e }
	for name, e := range map[string]*Envelope{
		"upsert":                 &base,
		"delete":                 with(func(e *Envelope) { e.Op, e.Data = OpDelete, nil }),
		"empty list":             with(func(e *Envelope) { e.Listed = true }),
		"list":                   with(func(e *Envelope) { e.Listed, e.Embeddings = true, []string{"em-1", `em"<2>`} }),
		"list of a non-UTF-8 id": with(func(e *Envelope) { e.Listed, e.Embeddings = true, []string{"", "em-\xff"} }),
		"non-UTF-8 id":           with(func(e *Envelope) { e.ID = "ep-\xff\xfe" }),
		"long id":                with(func(e *Envelope) { e.ID = string(bytes.Repeat([]byte("\x01"), 1000)) }),
		"bad schema":             with(func(e *Envelope) { e.Schema = 2 }),
		"upsert without data":    with(func(e *Envelope) { e.Data = nil }),
		"version 0":              with(func(e *Envelope) { e.Version = 0 }),
		"list on a delete":       with(func(e *Envelope) { e.Op, e.Data, e.Listed = OpDelete, nil, true }),
	} {
		t.Run(name, func(t *testing.T) { sameEnvelopeAsReference(t, e) })
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		sameEnvelopeAsReference(t, oddEnvelope(r))
	}
}

// FuzzRowEncoderMatchesReference: rows and envelopes built from arbitrary
// strings and numbers encode as the reference encodes them.
func FuzzRowEncoderMatchesReference(f *testing.F) {
	f.Add("ep-1", "text", int64(1767225600), 0.75, []byte{0, 0, 128, 63}, uint64(1))
	f.Add("ep-\xff\xfe", "\x00<\u2028>\xc3", int64(-1), 1e21, []byte(nil), uint64(7))
	f.Fuzz(func(t *testing.T, id, text string, n int64, fl float64, vec []byte, version uint64) {
		ep := &Episode{EpisodeID: id, TaskType: text, Context: text + id, StartTime: n, EndTime: &n, Outcome: &text}
		pat := &Pattern{PatternID: id, PatternType: text, SuccessRate: fl, ContextTags: &id, OccurrenceCount: n}
		emb := &Embedding{EmbeddingID: id, ItemID: text, ItemType: text, Dimension: int(n), Model: id, Vector: vec}
		for _, row := range []any{ep, pat, emb} {
			sameRowAsReference(t, row)
		}
		data, _ := MarshalRow(ep)
		for _, e := range []*Envelope{
			{Schema: SchemaVersion, Entity: EntityEpisode, Op: OpUpsert, ID: id, Version: version, Lineage: text, Data: data,
				Listed: n%2 == 0, Embeddings: []string{text, id}},
			{Schema: SchemaVersion, Entity: EntityEmbedding, Op: OpDelete, ID: text, Version: version, Lineage: id},
		} {
			sameEnvelopeAsReference(t, e)
		}
	})
}
