package cachestore

import (
	"bytes"
	"testing"
)

// The catalog decoder never panics and round-trips what it accepts.
func FuzzDecodeEntry(f *testing.F) {
	f.Add(entry{Version: 7, StartTime: -3}.encode())
	f.Add(entry{Version: 9, Deleted: true, Snapshot: true, OwnerKind: kindEpisode, OwnerID: "ep.1"}.encode())
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntry(b)
		if err != nil {
			return
		}
		if !bytes.Equal(e.encode(), b) {
			t.Fatalf("entry %+v does not round-trip", e)
		}
	})
}

// The state decoder never panics; corrupt state is ErrCorrupt.
func FuzzDecodeState(f *testing.F) {
	st := State{Position: 3, AppliedVersion: 2, Count: 1, Boundary: []byte("s/x")}
	f.Add(st.encode())
	f.Add([]byte(`{"position":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) { _, _ = decodeState(b) })
}
