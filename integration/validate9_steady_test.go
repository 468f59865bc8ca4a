package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/worker"
)

// steadyWriter updates episodes of the window and adds a new one now and
// then, as agents do, until stopped.
type steadyWriter struct {
	w       *writer
	mu      sync.Mutex
	eps     []seed.Episode // updatable episodes
	writes  atomic.Int64
	failed  atomic.Value
	stop    context.CancelFunc
	stopped chan struct{}
}

func startSteadyWriter(w *writer, eps []seed.Episode, every time.Duration) *steadyWriter {
	ctx, cancel := context.WithCancel(context.Background())
	s := &steadyWriter{w: w, eps: eps, stop: cancel, stopped: make(chan struct{})}
	go func() {
		defer close(s.stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := s.write(ctx, i); err != nil && ctx.Err() == nil {
				s.failed.Store(err)
				return
			}
		}
	}()
	return s
}

func (s *steadyWriter) write(ctx context.Context, i int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i%20 == 19 { // a new, most recent episode
		s.w.n++
		e := s.w.g.Episode(0, nil)
		e.StartTime = s.w.g.Base + int64(s.w.n)*10
		s.eps = append(s.eps, e)
		s.writes.Add(1)
		return seed.PutEpisode(ctx, s.w.db.SQL(), e)
	}
	e := &s.eps[len(s.eps)-1-i%min(len(s.eps), 30)] // one of the 30 most recent
	e.Description = fmt.Sprintf("step %d", i)
	s.writes.Add(1)
	return seed.PutEpisode(ctx, s.w.db.SQL(), *e)
}

// forget stops updating an episode (it is about to be deleted).
func (s *steadyWriter) forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.eps {
		if s.eps[i].ID == id {
			s.eps = append(s.eps[:i], s.eps[i+1:]...)
			return
		}
	}
}

func (s *steadyWriter) halt(t *testing.T) {
	s.stop()
	<-s.stopped
	if err, _ := s.failed.Load().(error); err != nil {
		t.Fatalf("agent write failed: %v", err)
	}
}

// Under a steady write load validation judges right: a healthy cache that
// lags (even behind a pruned change log) is never "diverged"; a lost
// delete deep in the window is found within two validation passes.
func TestValidationUnderSteadyWrites(t *testing.T) {
	e, w := newEnvWriter(t, 93, 4)
	eps := w.episodes(150)
	cf := e.publishNew(changefeed.Options{PollInterval: 20 * time.Millisecond, PruneDelay: time.Millisecond})
	opts := cachestore.Options{MaxEpisodes: 100}
	c := e.caughtUp("", opts, worker.Options{FetchWait: 20 * time.Millisecond})
	e.mustConsistent(c)

	sw := startSteadyWriter(w, eps, 20*time.Millisecond)
	t.Cleanup(func() { sw.halt(t) })
	stopCF := inBackground(cf.Run)
	t.Cleanup(func() { stopCF() })

	// The worker is stopped: the cache falls behind while the changefeed
	// publishes and prunes what it published.
	eventually(t, 20*time.Second, "the change log to be pruned above the cache", func() bool {
		oldest, err := e.db.OldestChange(t.Context())
		return err == nil && oldest > c.store.State().AppliedVersion+1
	})
	stale := 0
	for pass := range 5 {
		r := e.validate(c)
		if r.Diverged != 0 {
			t.Fatalf("pass %d: a lagging cache behind a pruned log is diverged: %+v", pass, r)
		}
		stale += r.Stale
	}
	if stale == 0 {
		t.Fatal("a cache behind the head was never stale")
	}

	// The worker runs and lags by a batch or two: never diverged either.
	stopWorker := inBackground(c.w.Run)
	t.Cleanup(func() { stopWorker() })
	eventually(t, 20*time.Second, "the worker to catch up", func() bool {
		head, _ := e.db.Head(t.Context())
		return head-c.store.State().AppliedVersion < 20
	})
	for pass := range 10 {
		if r := e.validate(c); r.Diverged != 0 {
			t.Fatalf("pass %d: a healthy running cache is diverged: %+v", pass, r)
		}
	}

	// A delete the change log never saw (its trigger dropped), ten places
	// deep in a 100-episode window, while agents keep writing. With the log
	// pruned above the cache nobody can tell a lost delete from one not yet
	// applied, so the changefeed now prunes as in production (after 3m) and
	// the cache catches up past the pruned part first.
	stopCF()
	stopCF2 := inBackground(e.changefeed(changefeed.Options{PollInterval: 20 * time.Millisecond}).Run)
	t.Cleanup(func() { stopCF2() })
	eventually(t, 20*time.Second, "the cache past the pruned part of the log", func() bool {
		ok, err := e.db.LogCovers(t.Context(), c.store.State().AppliedVersion)
		return err == nil && ok
	})
	lost := eps[len(eps)-10].ID
	sw.forget(lost)
	// The agent's last write of it must be applied first: the changefeed
	// publishes an entity's current row, so a change still unpublished when
	// the row goes is published as the delete, and nothing is lost (1 run
	// in 7 did that and failed here: the cache was right).
	var last uint64
	mustDo(t, e.db.SQL().QueryRowContext(t.Context(), `SELECT COALESCE(MAX(change_id), 0) FROM memsync_changelog
  WHERE entity = 'episode' AND entity_id = ?`, lost).Scan(&last))
	eventually(t, 20*time.Second, "the last write of the episode to lose to be applied", func() bool {
		return c.store.State().AppliedVersion >= last
	})
	for _, q := range []string{`DROP TRIGGER memsync_episodes_del`, `DELETE FROM episodes WHERE episode_id = '` + lost + `'`} {
		_, err := e.db.SQL().ExecContext(t.Context(), q)
		mustDo(t, err)
	}
	_, err := e.db.Install(t.Context())
	mustDo(t, err)
	found := false
	for pass := 0; pass < 2 && !found; pass++ {
		r := e.validate(c)
		found = r.Diverged > 0 && strings.Contains(strings.Join(r.Examples, "\n"), lost)
		if !found {
			t.Logf("pass %d: %+v", pass, r)
		}
	}
	if !found {
		t.Fatalf("the lost delete of %s was not found diverged in two passes", lost)
	}
	t.Logf("agent writes during the test: %d", sw.writes.Load())
}
