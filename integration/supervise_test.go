package integration

import (
	"context"
	"path/filepath"
	"sync"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/supervisor"
	"github.com/memsync/memsync/internal/validate"
	"github.com/memsync/memsync/worker"
)

// superviseWait bounds the wait for a supervised cache to be consistent.
const superviseWait = 60 * time.Second

// supervised runs supervisor.Supervise in the background; latest returns the
// store it holds now (nil while rebuilding), stop ends it (also at the
// test's cleanup) and returns Supervise's error.
type supervised struct {
	e      *env
	stores chan *cachestore.Store
	cur    *cachestore.Store
	stop   func() error
}

func (e *env) supervise(cfg rebuild.Config) *supervised {
	ctx, cancel := context.WithCancel(context.Background())
	sv := &supervised{e: e, stores: make(chan *cachestore.Store, 16)}
	errc := make(chan error, 1)
	go func() {
		errc <- supervisor.Supervise(ctx, &supervisor.Options{Config: cfg}, func(s *cachestore.Store, _ *worker.Worker) { sv.stores <- s })
	}()
	sv.stop = sync.OnceValue(func() error { cancel(); return <-errc })
	e.t.Cleanup(func() { _ = sv.stop() })
	return sv
}

func (sv *supervised) latest() *cachestore.Store {
	for {
		select {
		case s := <-sv.stores:
			sv.cur = s
		default:
			return sv.cur
		}
	}
}

// waitConsistent waits until the supervised cache validates consistent at
// the Turso head (validated with e.db, also when the supervisor has no
// Turso access) and returns it, open until the supervisor replaces it or
// stops.
func (sv *supervised) waitConsistent(what string) *cachestore.Store {
	t := sv.e.t
	t.Helper()
	var last *validate.Report
	for deadline := time.Now().Add(superviseWait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		s := sv.latest()
		if s == nil {
			continue
		}
		r, err := validate.Run(t.Context(), sv.e.db, s, nil)
		if err == nil && r.Consistent && r.AppliedVersion == r.TursoHeadVersion {
			return s
		}
		last = r
	}
	t.Fatalf("timed out waiting for %s; last report: %+v", what, last)
	return nil
}

// mustStop stops the supervisor and fails the test if Supervise failed.
func (sv *supervised) mustStop() {
	sv.e.t.Helper()
	if err := sv.stop(); err != nil {
		sv.e.t.Fatalf("supervise: %v", err)
	}
}

// superviseUntilConsistent supervises the cache of cfg until it validates
// consistent at the Turso head, runs check (if any) on that cache while it
// is still held, and stops the supervisor.
func (e *env) superviseUntilConsistent(cfg rebuild.Config, check ...func(*cachestore.Store)) {
	e.t.Helper()
	sv := e.supervise(cfg)
	s := sv.waitConsistent("the supervised cache to be consistent")
	for _, c := range check {
		c(s)
	}
	sv.mustStop()
}

// repairedBy supervises dir until it is consistent and checks that exactly
// one rebuild for reason happened (its old cache kept aside).
func (e *env) repairedBy(dir string, opts cachestore.Options, reason, what string) {
	e.t.Helper()
	e.superviseUntilConsistent(e.rebuildConfig(dir, opts))
	if aside, _ := filepath.Glob(dir + ".aside-*" + reason + "*"); len(aside) != 1 {
		e.t.Fatalf("%s: %v", what, aside)
	}
}
