package cachestore

import (
	"fmt"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// coldSyncWithEmbeddings applies n episodes, each followed by its
// embedding (change-log order, as a bootstrap publishes them), in batches
// of 16 without a checkpoint (a catch-up of the compacted stream): the
// floor stays behind, so no episode owning an embedding can be forgotten
// as it passes and all n stay known.
func coldSyncWithEmbeddings(t *testing.T, s *Store, src *scanningLog, n int) uint64 {
	t.Helper()
	var all []Change
	for i := range n {
		id, emb := fmt.Sprintf("ep%04d", i), fmt.Sprintf("emb%04d", i)
		ep := episode(id, uint64(2*i+1), int64(1000+i))
		ep.Embeddings, ep.Listed = []string{emb}, true
		all = append(all, ep, embedding(emb, uint64(2*i+2), protocol.EntityEpisode, id))
	}
	for _, c := range all {
		src.record(c)
	}
	pos := uint64(0)
	for i := 0; i < len(all); i += 16 {
		pos++
		applyCP(t, s, src, pos, 0, all[i:min(i+16, len(all))]...)
	}
	return pos
}

// After a cold sync leaves every episode known, a live batch of one change
// forgets only a step sized to it (16 + 2 per change), not the collector's
// whole budget: at 1M episodes a 1024-forget batch took 100-150 ms and
// held every live change that long (propagation p50 150-190 ms at 100
// writes/s). Tidy steps then forget the rest, and a step with nothing left
// to do writes nothing.
func TestTidyForgetsWhatASmallBatchLeaves(t *testing.T) {
	const n, window, reserve = 400, 5, 5
	s := open(t, &Options{MaxEpisodes: window, Reserve: reserve})
	src := &scanningLog{latestLog: latestLog{}}
	pos := coldSyncWithEmbeddings(t, s, src, n)
	if known := s.State().Known; known != n {
		t.Fatalf("after the sync the catalog knows %d episodes, want all %d (the floor is behind)", known, n)
	}
	live := episode("ep-live", 2*n+1, 5000)
	live.Listed = true // a changefeed that lists embeddings (State.Lists)
	src.record(live)
	applyCP(t, s, src, pos+1, 2*n+1, live)
	if known, most := s.State().Known, n+1-(forgetLeast+forgetPerChange); known < most {
		t.Fatalf("a one-change batch left %d episodes known, want at least %d (it forgot more than its step)", known, most)
	}
	before := s.State()
	steps := 0
	for ; steps < 100; steps++ {
		st, err := s.Tidy(t.Context(), src, 64)
		mustDo(t, err)
		if st.Forgotten > 2*64 {
			t.Fatalf("a Tidy step of 64 forgot %d entries", st.Forgotten)
		}
		if !st.Removed() {
			if st.Beyond != 0 {
				t.Fatalf("Tidy stopped removing with %d episodes still beyond the horizon", st.Beyond)
			}
			break
		}
	}
	after := s.State()
	if after.Known != window+reserve {
		t.Fatalf("after %d Tidy steps %d episodes are known, want window+reserve = %d", steps, after.Known, window+reserve)
	}
	if after.Position != before.Position || after.AppliedVersion != before.AppliedVersion || after.LastSyncMs != before.LastSyncMs {
		t.Fatalf("Tidy moved the sync state: %+v, was %+v", after, before)
	}
	embs := 0
	mustDo(t, s.ScanCatalog(protocol.EntityEmbedding, func(it Item) error {
		if !it.Deleted {
			embs++
		}
		return nil
	}))
	if embs != window+reserve-1 { // ep-live has no embedding
		t.Fatalf("%d embedding entries left, want those of the %d known episodes that have one", embs, window+reserve-1)
	}
	mustDo(t, s.checkInvariants())
	wal := s.DiskStats().WALBytes
	for range 3 {
		st, err := s.Tidy(t.Context(), src, 64)
		mustDo(t, err)
		if st.Removed() {
			t.Fatalf("a tidy cache still removed %+v", st)
		}
	}
	if got := s.DiskStats().WALBytes; got != wal {
		t.Fatalf("Tidy on a tidy cache wrote %d WAL bytes", got-wal)
	}
}

// Tidy collects tombstones as the collector does: only at or below the
// floor (INVARIANT 4.1), whatever its steps visit.
func TestTidyCollectsOnlyAtOrBelowTheFloor(t *testing.T) {
	const n = 100
	s := open(t, &Options{GCBudget: 16})
	src := latestLog{}
	var ups, dels []Change
	for i := range n {
		ups = append(ups, episode(fmt.Sprintf("ep%03d", i), uint64(i+1), int64(i)))
		dels = append(dels, del(protocol.EntityEpisode, fmt.Sprintf("ep%03d", i), uint64(n+i+1)))
	}
	applyCP(t, s, src, 1, n, ups...)
	applyCP(t, s, src, 2, n, dels...) // the floor (n) is below every delete
	tombstones := func() int {
		c := 0
		mustDo(t, s.ScanCatalog(protocol.EntityEpisode, func(it Item) error {
			if it.Deleted {
				c++
			}
			return nil
		}))
		return c
	}
	for range 3 * n / 16 {
		st, err := s.Tidy(t.Context(), src, 16)
		mustDo(t, err)
		if st.Collected != 0 {
			t.Fatalf("Tidy collected %d tombstones above the floor", st.Collected)
		}
	}
	if got := tombstones(); got != n {
		t.Fatalf("%d tombstones left above the floor, want %d", got, n)
	}
	// a checkpoint covering the deletes, in a batch of one change: its own
	// step visits 16 entries, Tidy steps collect the rest
	extra := episode("ep-last", 2*n+1, 0)
	applyCP(t, s, src, 3, 2*n+1, extra)
	for steps := 0; tombstones() > 0; steps++ {
		if steps > 3*n/16 {
			t.Fatalf("%d tombstones left after %d Tidy steps", tombstones(), steps)
		}
		_, err := s.Tidy(t.Context(), src, 16)
		mustDo(t, err)
	}
	mustDo(t, s.checkInvariants())
}
