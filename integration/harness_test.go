package integration

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/internal/validate"
	"github.com/memsync/memsync/worker"
)

func quiet() *slog.Logger {
	if os.Getenv("MEMSYNC_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// env is one database, one NATS server and helpers to run the pipeline.
type env struct {
	t    *testing.T
	db   *turso.DB
	path string
	nats *testenv.NATS
	js   jetstream.JetStream
}

func newEnv(t *testing.T) *env {
	db, path := testenv.Turso(t)
	n := testenv.StartNATS(t)
	_, js := n.Connect(t)
	return &env{t: t, db: db, path: path, nats: n, js: js}
}

func (e *env) changefeed(o changefeed.Options) *changefeed.Changefeed {
	e.t.Helper()
	o.Logger = quiet()
	cf, err := changefeed.New(e.db, e.js, &o)
	if err != nil {
		e.t.Fatal(err)
	}
	return cf
}

// publishAll polls until the change log is fully published.
func (e *env) publishAll(cf *changefeed.Changefeed) {
	e.t.Helper()
	for i := 0; i < 10000; i++ {
		r, err := cf.PollOnce(e.t.Context())
		if err != nil {
			e.t.Fatalf("poll: %v", err)
		}
		if r.Changes == 0 {
			return
		}
	}
	e.t.Fatal("publishAll did not converge")
}

type cache struct {
	dir   string
	opts  cachestore.Options
	store *cachestore.Store
	w     *worker.Worker
}

func (e *env) openCache(dir string, o cachestore.Options, wo worker.Options) *cache {
	e.t.Helper()
	if dir == "" {
		dir = filepath.Join(e.t.TempDir(), "cache")
	}
	st, err := cachestore.Open(dir, &o)
	if err != nil {
		e.t.Fatal(err)
	}
	wo.Logger = quiet()
	w, err := worker.New(st, e.js, &wo)
	if err != nil {
		e.t.Fatal(err)
	}
	c := &cache{dir: dir, opts: o, store: st, w: w}
	e.t.Cleanup(func() { st.Close() })
	return c
}

func (c *cache) close(t *testing.T) {
	if err := c.store.Close(); err != nil && !errors.Is(err, cachestore.ErrClosed) {
		t.Fatal(err)
	}
}

func (e *env) catchUp(c *cache) int {
	e.t.Helper()
	n, err := c.w.CatchUp(e.t.Context())
	if err != nil {
		e.t.Fatalf("catch up: %v", err)
	}
	return n
}

func (e *env) validate(c *cache) *validate.Report {
	e.t.Helper()
	r, err := validate.Run(e.t.Context(), e.db, c.store, nil)
	if err != nil {
		e.t.Fatalf("validate: %v", err)
	}
	return r
}

func (e *env) mustConsistent(c *cache) *validate.Report {
	e.t.Helper()
	r := e.validate(c)
	if !r.Consistent {
		e.t.Fatalf("not consistent: %+v", r)
	}
	return r
}

// runBoth runs a changefeed and a worker in the background until stop.
func (e *env) runBoth(cf *changefeed.Changefeed, c *cache) (stop func() error) {
	return inBackground(cf.Run, c.w.Run)
}

// inBackground runs each of runs in a goroutine of its own, all with one
// context, until stop cancels it; stop waits for every run to return and
// returns their errors.
func inBackground(runs ...func(context.Context) error) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	errs := make([]error, len(runs))
	var wg sync.WaitGroup
	for i, run := range runs {
		wg.Go(func() { errs[i] = run(ctx) })
	}
	return func() error { cancel(); wg.Wait(); return errors.Join(errs...) }
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
