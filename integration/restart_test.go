package integration

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/worker"
)

// A graceful worker restart resumes from its acknowledged position: the
// new worker receives only the new messages and re-applies nothing.
func TestWorkerRestartResumes(t *testing.T) {
	e, w := newEnvWriter(t, 31, 4)
	w.episodes(20)
	cf := e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 10}
	c := e.openCache("", opts, worker.Options{BatchSize: 16})
	if n := e.catchUp(c); n != 41 {
		t.Fatalf("first catch-up processed %d messages, want 41", n)
	}
	c.close(t)

	w.episodes(5)
	e.publishAll(cf)
	c2 := e.openCache(c.dir, opts, worker.Options{BatchSize: 16})
	n := e.catchUp(c2)
	st := c2.w.Stats()
	if n != 11 || st.Skipped != 0 { // 5 episodes + 5 embeddings + 1 checkpoint
		t.Fatalf("restarted worker processed %d messages (%d redelivered), want 11 and 0", n, st.Skipped)
	}
	e.mustConsistent(c2)
}

// The cache, not the server, is the authority on position: a consumer
// deleted (or left behind) on the server is re-created right after the
// cache's position, without redelivering what the cache already holds.
func TestWorkerRecreatesConsumerAtCachePosition(t *testing.T) {
	e, w := newEnvWriter(t, 32, 4)
	w.episodes(10)
	cf := e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 0}
	dir := e.builtCache(opts)
	s, _ := e.js.Stream(t.Context(), "MEMSYNC")
	if err := s.DeleteConsumer(t.Context(), worker.ConsumerName("default", "default")); err != nil {
		t.Fatal(err)
	}
	w.episodes(2)
	e.publishAll(cf)
	c2 := e.openCache(dir, opts, worker.Options{})
	if n := e.catchUp(c2); n != 5 || c2.w.Stats().Skipped != 0 {
		t.Fatalf("processed %d (skipped %d), want 5 new messages and no redelivery", n, c2.w.Stats().Skipped)
	}
	e.mustConsistent(c2)
}

// Redelivered and duplicate messages are no-ops (INVARIANT 4): replaying the
// whole stream into a caught-up cache changes nothing.
func TestReplayIsNoOp(t *testing.T) {
	e, w := newEnvWriter(t, 33, 4)
	w.episodes(12)
	e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 5}
	c := e.caughtUp("", opts, worker.Options{})
	before := c.store.State()
	c.close(t)
	s, _ := e.js.Stream(t.Context(), "MEMSYNC")
	_ = s.DeleteConsumer(t.Context(), worker.ConsumerName("default", "default"))
	// A second worker name over the same directory replays from sequence 1.
	c2 := e.openCache(c.dir, opts, worker.Options{Name: "replayer"})
	resetPosition(t, c2)
	e.catchUp(c2)
	if st := c2.w.Stats(); st.Applied != 0 || st.Skipped == 0 {
		t.Fatalf("replay applied %d, skipped %d; want 0 applied", st.Applied, st.Skipped)
	}
	if after := c2.store.State(); after.AppliedVersion != before.AppliedVersion {
		t.Fatalf("applied version moved %d -> %d", before.AppliedVersion, after.AppliedVersion)
	}
	e.mustConsistent(c2)
}

// resetPosition rewinds a closed-and-reopened cache's position to 0 through
// the public API used by rebuilds (a fresh stream identity record).
func resetPosition(t *testing.T, c *cache) {
	t.Helper()
	if err := c.store.ResetPosition(); err != nil {
		t.Fatal(err)
	}
}

// tamper opens the cache's Pebble directory directly (the worker is stopped)
// and lets fn damage it behind memsync's back. The directory may be damaged
// already (chaos faults land before a repair): Pebble's reports of the
// corruption it meets in the background are ignored, as cachestore does,
// instead of its default Logger.Fatalf, which would end the test binary.
func tamper(t *testing.T, dir string, fn func(db *pebble.DB)) {
	t.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietPebble{},
		EventListener: &pebble.EventListener{DataCorruption: func(pebble.DataCorruptionInfo) {}}})
	if err != nil {
		t.Fatal(err)
	}
	fn(db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

type quietPebble struct{}

func (quietPebble) Infof(string, ...any)  {}
func (quietPebble) Errorf(string, ...any) {}
func (quietPebble) Fatalf(f string, a ...any) {
	panic(fmt.Sprintf(f, a...))
}

// A stream deleted and recreated under a cache is detected: the worker
// stops with an error naming the recovery command instead of silently
// following the new stream.
func TestWorkerDetectsRecreatedStream(t *testing.T) {
	e, w := newEnvWriter(t, 34, 4)
	w.episodes(5)
	e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 0}
	dir := e.builtCache(opts)
	if err := e.js.DeleteStream(t.Context(), "MEMSYNC"); err != nil {
		t.Fatal(err)
	}
	e.publishNew(changefeed.Options{})
	c2 := e.openCache(dir, opts, worker.Options{})
	_, err := c2.w.CatchUp(t.Context())
	if !errors.Is(err, worker.ErrStreamReplaced) || !strings.Contains(err.Error(), "memsync rebuild") {
		t.Fatalf("recreated stream: %v", err)
	}
	if err := c2.w.Run(t.Context()); !errors.Is(err, worker.ErrStreamReplaced) {
		t.Fatalf("Run on a recreated stream: %v", err)
	}
}
