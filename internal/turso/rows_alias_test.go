package turso

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// scribble overwrites every scanned byte, as a driver reusing its buffers
// for the next row would.
func scribble(vals []any) {
	for _, v := range vals {
		if b, ok := v.([]byte); ok {
			for i := range b {
				b[i] = 0xAA
			}
		}
	}
}

func cloneVals(vals []any) []any {
	out := make([]any, len(vals))
	for i, v := range vals {
		if b, ok := v.([]byte); ok {
			v = bytes.Clone(b)
		}
		out[i] = v
	}
	return out
}

// A Row never points into the scanned bytes (database/sql reuses them
// after the next Next): its id, data, owner and model survive the values
// being overwritten, and one converter's rows do not share its buffers.
func TestRowsDoNotKeepScannedBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	vec := make([]byte, 4*384)
	rows := []struct {
		e    protocol.Entity
		vals []any
	}{
		{protocol.EntityEpisode, []any{[]byte("ep-\xff1"), []byte("t"), []byte("d"), []byte("{}"), int64(5), nil, []byte("[]"),
			[]byte("ok"), nil, []byte("r"), []byte("[]"), []byte("[]"), []byte("[]"), []byte("{}"), []byte("web"), []byte("go"), int64(1), int64(2)}},
		{protocol.EntityEpisode, []any{[]byte("ep-bad"), []byte("t"), nil, []byte("{}"), "2024-01-02", nil, []byte("[]"),
			nil, nil, nil, []byte("[]"), []byte("[]"), []byte("[]"), []byte("{}"), []byte("web"), nil, int64(1), nil}},
		{protocol.EntityPattern, []any{[]byte("pat-1"), []byte("seq"), []byte("{}"), 0.5, []byte("web"), nil, []byte("a,b"), int64(3), int64(1), int64(1)}},
		{protocol.EntityEmbedding, []any{[]byte("emb-1"), []byte("ep-\xff1"), []byte("episode"), nil, vec, int64(384), []byte("all-MiniLM-L6-v2"), int64(1), int64(1)}},
		{protocol.EntityEmbedding, []any{[]byte("emb-2"), []byte("pat-1"), []byte("pattern"), []byte("[0.5,1]"), nil, int64(2), []byte("m"), int64(1), int64(0)}},
		{protocol.EntityEmbedding, []any{[]byte("emb-3"), []byte("x"), []byte("widget"), []byte("[1]"), nil, int64(1), []byte("m"), int64(1), int64(0)}},
	}
	for i := range vec {
		vec[i] = byte(r.Uint32())
	}
	var cv converter
	var got, want []Row
	for _, row := range rows {
		want = append(want, refConvert(row.e, cloneVals(row.vals)))
		got = append(got, cv.convert(row.e, row.vals))
		scribble(row.vals)
	}
	for i := range want {
		sameRow(t, got[i], want[i])
	}
}
