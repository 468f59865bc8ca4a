package protocol

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// An envelope encoded around its row in a frame is byte for byte the
// reference's, whether the head fits the frame's room (no copy of the
// row) or not (a copy); the row's bytes are left as they were.
func TestEnvelopeInFrameMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	inPlace := 0
	for range 3000 {
		e := oddEnvelope(r)
		if e.Op != OpUpsert {
			continue
		}
		row := bytes.Clone(e.Data)
		for _, room := range []int{FrameRoom(e.Entity, e.ID), 0, r.IntN(200)} {
			f := NewFrame(room, row)
			in := *e
			in.Data = f.Data()
			want, wantErr := referenceEncodeEnvelope(&in)
			got, err := EncodeEnvelopeIn(f, &in)
			if (err == nil) != (wantErr == nil) {
				t.Fatalf("%+v: error %v, reference %v", in, err, wantErr)
			}
			if !bytes.Equal(got, want) || len(got) != cap(got) {
				t.Fatalf("room %d:\n got %q (cap %d)\nwant %q", room, got, cap(got), want)
			}
			if !bytes.Equal(f.Data(), row) {
				t.Fatalf("the row changed in its frame: %q, was %q", f.Data(), row)
			}
			if err == nil && len(got) > 0 && &got[len(got)-2] == &f.Data()[len(row)-1] {
				inPlace++
			}
		}
	}
	if inPlace < 1000 {
		t.Fatalf("only %d envelopes were written in place", inPlace)
	}
}

// A frame that does not hold the envelope's data, or no frame, encodes as
// EncodeEnvelope does.
func TestEnvelopeInOtherFrame(t *testing.T) {
	e := &Envelope{Schema: SchemaVersion, Entity: EntityPattern, Op: OpUpsert, ID: "p", Version: 1, Lineage: "l", Data: []byte(`{"a":1}`)}
	for name, f := range map[string]Frame{"no frame": {}, "another row": NewFrame(300, []byte(`{"a":1}`))} {
		got, err := EncodeEnvelopeIn(f, e)
		want, _ := EncodeEnvelope(e)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
	if (Frame{}).Data() != nil {
		t.Fatal("the zero frame has data")
	}
}
