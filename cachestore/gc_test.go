package cachestore

import (
	"fmt"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// churn applies n episodes (one batch), then deletes the first del of them
// (another batch), both with their checkpoints, and returns the changes.
func churn(t *testing.T, s *Store, src latestLog, n, del int) []Change {
	t.Helper()
	var ups, dels []Change
	for i := range n {
		ups = append(ups, episode(fmt.Sprintf("e%03d", i), uint64(i+1), int64(i)))
	}
	for i := range del {
		dels = append(dels, delChange(protocol.EntityEpisode, fmt.Sprintf("e%03d", i), uint64(n+i+1)))
	}
	for _, c := range append(append([]Change{}, ups...), dels...) {
		src.record(c)
	}
	pos := s.State().Position
	applyCP(t, s, src, pos+1, uint64(n), ups...)
	applyCP(t, s, src, pos+2, uint64(n+del), dels...)
	return append(ups, dels...)
}

func delChange(e protocol.Entity, id string, v uint64) Change { return del(e, id, v) }

// applyCP applies one batch with a publisher checkpoint.
func applyCP(t *testing.T, s *Store, src BodySource, pos, checkpoint uint64, cs ...Change) ApplyStats {
	t.Helper()
	st, err := s.Apply(t.Context(), Batch{Changes: cs, Checkpoint: checkpoint, Position: pos}, src)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// idle applies empty batches (a checkpoint only) until the collector made
// full passes over the catalog.
func idle(t *testing.T, s *Store, src BodySource, batches int) {
	t.Helper()
	st := s.State()
	for i := range batches {
		applyCP(t, s, src, st.Position+uint64(i)+1, st.AppliedVersion)
	}
}

// Delete tombstones at or below the applied checkpoint are collected, so
// the catalog does not grow with the history of deletes (item 6a, issue 9).
func TestTombstonesAreCollected(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 5, GCBudget: 16})
	src := latestLog{}
	churn(t, s, src, 100, 90)
	idle(t, s, src, 20)
	keys := countKeys(t, s)
	if keys["tombstones"] != 0 || keys["c/"] != 10 {
		t.Fatalf("after full collector passes: %v, want 10 catalog entries and no tombstone", keys)
	}
	if st := s.State(); st.Floor != 190 {
		t.Fatalf("floor %d, want the applied checkpoint 190", st.Floor)
	}
}

// After collection, a redelivered old change of a collected entity is a
// no-op (INVARIANT 4 through the floor), while a change above the floor
// still applies; tombstones above the applied checkpoint are kept.
func TestRedeliveryAfterCollectionIsIgnored(t *testing.T) {
	ep := protocol.EntityEpisode
	cases := []struct {
		name    string
		redo    Change
		applied bool // whether the redelivered change moves the entity
		cached  bool
	}{
		{"old upsert of a collected episode", episode("e000", 1, 0), false, false},
		{"old upsert newer than its first version", episode("e000", 50, 0), false, false},
		{"old delete of a collected episode", del(ep, "e001", 102), false, false},
		{"old embedding of a collected owner", embedding("m1", 3, ep, "e000"), false, false},
		{"a new upsert above the floor", episode("e000", 500, 10_000), true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t, &Options{MaxEpisodes: 5, GCBudget: 16})
			src := latestLog{}
			churn(t, s, src, 100, 90)
			idle(t, s, src, 20)
			if keys := countKeys(t, s); keys["tombstones"] != 0 {
				t.Fatalf("tombstones left: %v", keys)
			}
			st := applyCP(t, s, src, s.State().Position+1, s.State().AppliedVersion, tc.redo)
			if got := st.Applied == 1; got != tc.applied {
				t.Fatalf("redelivered %s v%d applied=%v, want %v (%+v)", tc.redo.ID, tc.redo.Version, got, tc.applied, st)
			}
			if ok, err := s.IsCached(tc.redo.Entity, tc.redo.ID); err != nil || ok != tc.cached {
				t.Fatalf("%s cached=%v (%v), want %v", tc.redo.ID, ok, err, tc.cached)
			}
			if keys := countKeys(t, s); !tc.applied && keys["c/"] != 10 {
				t.Fatalf("a redelivery left a catalog entry: %v", keys)
			}
		})
	}
}

// The collector never takes a tombstone above the applied checkpoint: a
// delete the changefeed has not checkpointed yet keeps its tombstone, and
// an entity re-created in the batch that collects is live.
func TestTombstonesAboveCheckpointAreKept(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 5, GCBudget: 1000})
	src := latestLog{}
	ups := []Change{episode("a", 1, 1), episode("b", 2, 2), episode("c", 3, 3)}
	applyCP(t, s, src, 1, 3, ups...)
	applyCP(t, s, src, 2, 4, del(protocol.EntityEpisode, "a", 4), del(protocol.EntityEpisode, "b", 5))
	if keys := countKeys(t, s); keys["tombstones"] != 1 {
		t.Fatalf("want only b's tombstone (v5 above checkpoint 4) kept: %v", keys)
	}
	if st := applyCP(t, s, src, 3, 3, episode("b", 4, 2)); st.Applied != 0 {
		t.Fatalf("an upsert older than b's tombstone applied: %+v", st)
	}
	applyCP(t, s, src, 4, 7, del(protocol.EntityEpisode, "c", 6), episode("c", 7, 3))
	if ok, _ := s.IsCached(protocol.EntityEpisode, "c"); !ok {
		t.Fatal("c re-created in the collecting batch is not cached")
	}
	if keys := countKeys(t, s); keys["tombstones"] != 0 || keys["c/"] != 1 {
		t.Fatalf("after checkpoint 7: %v, want c alone in the catalog", keys)
	}
}

// The floor and the collector's cursor are durable: a reopened cache still
// ignores old changes of collected entities and resumes its pass.
func TestFloorSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	opts := &Options{MaxEpisodes: 5, GCBudget: 7}
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	src := latestLog{}
	churn(t, s, src, 100, 90)
	idle(t, s, src, 3)
	before := s.State()
	mustClose(t, s)
	if before.Floor != 190 || before.GCCursor == nil {
		t.Fatalf("floor %d cursor %q: want 190 and a pass under way", before.Floor, before.GCCursor)
	}
	s, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	if st := s.State(); st.Floor != before.Floor || string(st.GCCursor) != string(before.GCCursor) {
		t.Fatalf("reopened with floor %d cursor %q, want %d %q", st.Floor, st.GCCursor, before.Floor, before.GCCursor)
	}
	idle(t, s, src, 20)
	if st := applyCP(t, s, src, s.State().Position+1, 190, episode("e005", 6, 5)); st.Applied != 0 {
		t.Fatalf("old upsert of a collected episode applied after reopen: %+v", st)
	}
	if keys := countKeys(t, s); keys["tombstones"] != 0 || keys["c/"] != 10 {
		t.Fatalf("after reopen and a full pass: %v", keys)
	}
}

// The integrity scan on Open reads the catalog: after collection it reads
// fewer keys and bytes than a cache that kept every tombstone.
func TestIntegrityScanReadsLessAfterCollection(t *testing.T) {
	scanned := map[bool]ScanStats{}
	for _, gc := range []bool{false, true} {
		dir := t.TempDir()
		opts := &Options{MaxEpisodes: 5, GCBudget: -1}
		if gc {
			opts.GCBudget = 64
		}
		s, err := Open(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		src := latestLog{}
		churn(t, s, src, 300, 250)
		idle(t, s, src, 10)
		mustClose(t, s)
		if s, err = Open(dir, opts); err != nil {
			t.Fatal(err)
		}
		scanned[gc] = s.IntegrityScan()
		mustClose(t, s)
	}
	off, on := scanned[false], scanned[true]
	if on.Keys != off.Keys-250 || on.Bytes >= off.Bytes {
		t.Fatalf("integrity scan with collection %+v, without %+v: want 250 keys fewer and fewer bytes", on, off)
	}
	t.Logf("integrity scan: %d keys / %d bytes kept every tombstone, %d keys / %d bytes after collection", off.Keys, off.Bytes, on.Keys, on.Bytes)
}

// A Turso snapshot reflects every change at or below its version: its
// entries are live (never collected), and an old change of an entity it
// does not hold is ignored from the first batch on.
func TestSnapshotLoadSetsTheFloor(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 5})
	l := s.NewLoader(10)
	ep := episode("a", 3, 7)
	mustDo(t, l.Add(Loaded{Entity: protocol.EntityEpisode, ID: "a", StartTime: 7, Data: ep.Data, InWindow: true}))
	mustDo(t, l.Finish(Origin{Position: 4}))
	if st := s.State(); st.Floor != 10 {
		t.Fatalf("floor %d after a snapshot at version 10", st.Floor)
	}
	src := latestLog{}
	st := applyCP(t, s, src, 5, 10, episode("b", 5, 9), del(protocol.EntityEpisode, "c", 6), episode("a", 8, 1))
	if st.Applied != 0 || st.Skipped != 3 {
		t.Fatalf("old changes after the snapshot: %+v, want all skipped", st)
	}
	applyCP(t, s, src, 6, 12, episode("d", 11, 2), del(protocol.EntityEpisode, "d", 12))
	idle(t, s, src, 2)
	if keys := countKeys(t, s); keys["c/"] != 1 || keys["tombstones"] != 0 {
		t.Fatalf("want the snapshot's a alone in the catalog: %v", keys)
	}
	if got, _ := s.WindowIDs(); len(got) != 1 || got[0] != "a" {
		t.Fatalf("window %v, want [a]", got)
	}
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The collector's step follows the batch: a one-change Apply visits
// gcLeast + gcPerChange catalog entries, an idle checkpoint the whole
// budget, and a stream of single changes still finishes the pass.
func TestCollectorStepFollowsTheBatch(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, &Options{MaxEpisodes: 5, GCBudget: -1})
	if err != nil {
		t.Fatal(err)
	}
	src := latestLog{}
	churn(t, s, src, 3000, 2900)
	mustClose(t, s)
	if s, err = Open(dir, &Options{MaxEpisodes: 5}); err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, s)
	v := uint64(5900)
	one := func() ApplyStats {
		v++
		c := episode(fmt.Sprintf("n%04d", v), v, int64(v))
		src.record(c)
		return applyCP(t, s, src, s.State().Position+1, v, c)
	}
	if st := one(); st.Collected == 0 || st.Collected > gcLeast+gcPerChange {
		t.Fatalf("a one-change Apply collected %d tombstones, want 1..%d", st.Collected, gcLeast+gcPerChange)
	}
	idleStats := applyCP(t, s, src, s.State().Position+1, v)
	if idleStats.Collected <= gcLeast+gcPerChange || idleStats.Collected > DefaultGCBudget {
		t.Fatalf("an idle checkpoint collected %d tombstones, want %d..%d", idleStats.Collected, gcLeast+gcPerChange+1, DefaultGCBudget)
	}
	for range 2900/(gcLeast+gcPerChange) + 2 {
		one()
	}
	if keys := countKeys(t, s); keys["tombstones"] != 0 {
		t.Fatalf("single changes did not finish the pass: %v", keys)
	}
}

func TestStepBudget(t *testing.T) {
	for _, c := range []struct{ budget, changes, want int }{
		{1024, 0, 1024},  // idle checkpoint: the whole budget
		{1024, 1, 72},    // one change
		{1024, 100, 864}, // in proportion
		{1024, 256, 1024},
		{16, 1, 16}, // never above Options.GCBudget
	} {
		if got := stepBudget(c.budget, c.changes); got != c.want {
			t.Errorf("stepBudget(%d, %d) = %d, want %d", c.budget, c.changes, got, c.want)
		}
	}
}
