package integration

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/supervisor"
	"github.com/memsync/memsync/worker"
)

// The supervisor tells its observer that no worker runs before it closes a
// cache for a rebuild (so /readyz is not 200 while the cache is replaced),
// and about the new worker after.
func TestSupervisorReportsStoppedWorkerDuringRebuild(t *testing.T) {
	e, w := newEnvWriter(t, 94, 4)
	w.episodes(10)
	e.publishNew(fast())
	cfg := e.rebuildConfig(filepath.Join(t.TempDir(), "w1"), cachestore.Options{MaxEpisodes: 5})
	cfg.Worker.Name = "w1"
	var mu sync.Mutex
	var seen []bool // running after each call
	var atRebuild []bool
	cfg.OnRebuild = func(string) { mu.Lock(); atRebuild = append(atRebuild, seen[len(seen)-1]); mu.Unlock() }
	started := func(s *cachestore.Store, wk *worker.Worker) {
		mu.Lock()
		defer mu.Unlock()
		if (s == nil) != (wk == nil) {
			t.Errorf("started(%v, %v): store and worker disagree", s, wk)
		}
		seen = append(seen, wk != nil)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- supervisor.Supervise(ctx, &supervisor.Options{Config: cfg}, started) }()
	defer func() { cancel(); <-done }()
	calls := func() []bool { mu.Lock(); defer mu.Unlock(); return append([]bool(nil), seen...) }
	eventually(t, 20*time.Second, "the first worker", func() bool { return len(calls()) == 1 })
	memsync(t, nil, "trigger", "--nats="+e.nats.ClientURL(), "--mode=rebuild", "--target=w1", "--expect=1").want(t, 0)
	eventually(t, 20*time.Second, "the worker after the rebuild", func() bool { return len(calls()) == 3 })
	if got := calls(); !got[0] || got[1] || !got[2] {
		t.Fatalf("observer calls (running?): %v, want [true false true]", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(atRebuild) != 1 || atRebuild[0] {
		t.Fatalf("at the rebuild the observer thought a worker ran: %v", atRebuild)
	}
}
