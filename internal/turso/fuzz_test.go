package turso

import (
	"errors"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// Row conversion (the decoder of Turso values, including embedding_data
// JSON) never panics, agrees with the reference conversion, and what it
// accepts is a valid protocol embedding.
func FuzzConvertEmbedding(f *testing.F) {
	f.Add("[1,2,3]", int64(3), []byte(nil), "episode")
	f.Add("[1,2]", int64(3), []byte(nil), "episode")
	f.Add("not json", int64(1), []byte{0, 0, 128, 63}, "pattern")
	f.Fuzz(func(t *testing.T, data string, dim int64, vec []byte, owner string) {
		var v any
		if vec != nil {
			v = vec
		}
		vals := []any{[]byte("e1"), []byte("o1"), []byte(owner), []byte(data), v, dim, []byte("m"), int64(1), int64(1)}
		want := refConvert(protocol.EntityEmbedding, cloneVals(vals))
		r := convert(protocol.EntityEmbedding, vals)
		sameRow(t, r, want) // the converter is the code it replaced
		if r.Err != nil {
			if !errors.Is(r.Err, ErrMalformedRow) {
				t.Fatalf("unclassified error: %v", r.Err)
			}
			return
		}
		if _, err := protocol.DecodeEmbedding(r.Data); err != nil {
			t.Fatalf("accepted row does not decode: %v", err)
		}
	})
}
