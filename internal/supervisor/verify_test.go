package supervisor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// The supervisor opens the cache without its integrity scan and scans it
// while the worker runs (start to ready does not wait for it): damage the
// open cannot see is still found, and the cache is rebuilt (reason
// "corrupt", the damaged directory kept aside), never patched.
func TestDamageFoundAfterOpenIsRebuilt(t *testing.T) {
	_, js := testenv.StartNATS(t).Connect(t)
	if _, err := changefeed.EnsureStreams(t.Context(), js, &changefeed.Options{Stream: protocol.DefaultStream, DLQStream: protocol.DefaultDLQStream}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cache")
	damagedCache(t, dir)
	if s, err := cachestore.Open(dir, &cachestore.Options{SkipVerify: true}); err != nil {
		t.Fatalf("the damage must be one that opening does not see: %v", err)
	} else {
		s.Close()
	}
	var mu sync.Mutex
	var reasons []string
	ctx, cancel := context.WithCancel(t.Context())
	cfg := rebuild.Config{Dir: dir, JS: js, Logger: quiet(), Worker: worker.Options{FetchWait: 20 * time.Millisecond, Logger: quiet()},
		OnRebuild: func(r string) { mu.Lock(); reasons = append(reasons, r); mu.Unlock(); cancel() }}
	done := make(chan error, 1)
	go func() { done <- Supervise(ctx, &Options{Config: cfg, TriggerSubject: "-"}, nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		cancel()
		<-done
		t.Fatal("the damaged cache was not rebuilt within 60 s")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reasons) != 1 || reasons[0] != "corrupt" {
		t.Fatalf("rebuilds %v, want one for \"corrupt\"", reasons)
	}
	if aside, _ := filepath.Glob(dir + ".aside-*corrupt*"); len(aside) != 1 {
		t.Fatalf("damaged cache not kept aside: %v", aside)
	}
}

// damagedCache writes 300 episodes into a cache at dir, flushes them to an
// sstable and flips bytes in a data block of the episodes' bodies, which
// Open does not read (it reads the catalog, owner and sort keys).
func damagedCache(t *testing.T, dir string) {
	t.Helper()
	s, err := cachestore.Open(dir, &cachestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b cachestore.Batch
	for i := range 300 {
		id := fmt.Sprintf("ep-%03d", i)
		row, _ := protocol.MarshalRow(&protocol.Episode{EpisodeID: id, TaskType: "t", StartTime: int64(i), Steps: "[]",
			Patterns: "[]", Heuristics: "[]", Checkpoints: "[]", Metadata: "{}", Context: "{}", Domain: "d"})
		b.Changes = append(b.Changes, cachestore.Change{Entity: protocol.EntityEpisode, Op: protocol.OpUpsert, ID: id, Version: uint64(i + 1), Data: row})
	}
	if _, err := s.Apply(t.Context(), b, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := pebble.Open(dir, &pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Flush(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ssts, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	if len(ssts) != 1 {
		t.Fatalf("want one sstable, have %v", ssts)
	}
	raw, err := os.ReadFile(ssts[0])
	if err != nil {
		t.Fatal(err)
	}
	for i := len(raw) / 3; i < len(raw)/3+64; i++ { // the bodies: Open reads the catalog
		raw[i] ^= 0xff
	}
	if err := os.WriteFile(ssts[0], raw, 0o644); err != nil {
		t.Fatal(err)
	}
}
