package cachestore

import (
	"fmt"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// A catch-up from the compacted stream sees no checkpoint before its end
// (the checkpoint subject keeps only the last one), so its floor stays
// where it was for the whole cold sync. The catalog must still stay at
// the horizon while episodes arrive (newest first, as the bootstrap
// captures them): the ones beyond window+reserve are forgotten above the
// floor with a tombstone at their version, so the stream that follows the
// sync does not pay for forgetting them. Redeliveries stay no-ops, and the
// forgotten episodes come back (with their embeddings) when the window
// needs them.
func TestColdSyncForgetsAboveTheFloor(t *testing.T) {
	const n, window, reserve = 120, 5, 5
	for _, tc := range []struct {
		name       string
		checkpoint uint64 // of every batch of the sync (0: none, as in a catch-up)
	}{
		{"no checkpoint", 0},
		{"checkpoint behind", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, &Options{MaxEpisodes: window, Reserve: reserve})
			src := &scanningLog{latestLog: latestLog{}}
			var eps, embs []Change
			for i := range n {
				id, emb := fmt.Sprintf("ep%03d", i), fmt.Sprintf("emb%03d", i)
				ep := episode(id, uint64(i+1), int64(n-i)) // newest first
				ep.Embeddings, ep.Listed = []string{emb}, true
				eps, embs = append(eps, ep), append(embs, embedding(emb, uint64(n+i+1), protocol.EntityEpisode, id))
			}
			all := append(eps, embs...)
			for _, c := range all {
				src.record(c)
			}
			pos := uint64(0)
			for i := 0; i < len(all); i += 16 {
				pos++
				_, err := s.Apply(t.Context(), Batch{Changes: all[i:min(i+16, len(all))], Checkpoint: tc.checkpoint, Position: pos}, src)
				mustDo(t, err)
				if known := s.State().Known; known > window+reserve+16 {
					t.Fatalf("after batch %d the catalog knows %d episodes, horizon is %d (+ a batch)", pos, known, window+reserve)
				}
			}
			if st := s.State(); st.Floor > tc.checkpoint {
				t.Fatalf("floor %d moved without a checkpoint", st.Floor)
			}
			// redelivering the whole sync changes nothing
			stats := applyCP(t, s, src, pos+1, tc.checkpoint, all...)
			if stats.Applied != 0 {
				t.Fatalf("redelivery applied %d changes (%+v)", stats.Applied, stats)
			}
			// delete the window: the next episodes come back from the stream
			var dels []Change
			for i := range window {
				dels = append(dels, del(protocol.EntityEpisode, fmt.Sprintf("ep%03d", i), uint64(3*n+i)))
			}
			for _, d := range dels {
				src.record(d)
			}
			applyCP(t, s, src, pos+2, uint64(3*n+window), dels...)
			for i := window; i < 2*window; i++ {
				for _, read := range []func() error{
					func() error { _, _, err := s.Episode(fmt.Sprintf("ep%03d", i)); return err },
					func() error { _, _, err := s.Embedding(fmt.Sprintf("emb%03d", i)); return err },
				} {
					if err := read(); err != nil {
						t.Fatalf("episode %d after the window was deleted: %v", i, err)
					}
				}
			}
			mustDo(t, s.checkInvariants())
		})
	}
}
