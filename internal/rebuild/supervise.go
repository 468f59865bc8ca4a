package rebuild

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/ops"
	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/worker"
)

// maxRebuilds bounds automatic rebuilds per window: a cache that keeps
// breaking needs an operator, not an endless rebuild loop.
const (
	maxRebuilds   = 3
	rebuildWindow = 10 * time.Minute
)

// ErrRebuildLoop reports too many automatic rebuilds in a short time.
var ErrRebuildLoop = errors.New("rebuild: cache keeps failing after rebuilds; stopping for an operator")

// errRequested stops the running worker for an operator request.
type errRequested struct{ req *request }

func (e errRequested) Error() string { return "operator request: " + e.req.kind }

type request struct {
	kind string // "rebuild" or "replay"
	done chan Result
	err  chan error
}

// supervisor owns the cache directory and the worker running on it.
type supervisor struct {
	cfg      Config
	started  func(*cachestore.Store, *worker.Worker)
	requests chan *request
	store    atomic.Pointer[cachestore.Store]
	worker   atomic.Pointer[worker.Worker]
}

// Supervise runs a worker on cfg.Dir until ctx is done, and repairs the
// cache automatically: a cache that fails to open as corrupt, or a worker
// that stops with an error only a rebuild fixes (corruption, stream
// recreated, lineage changed, tombstones expired, a stuck batch, a
// divergence confirmed by periodic validation), gets the right rebuild,
// logged with the reason, and consumption resumes. It also answers
// sync.trigger for the worker. started is called with each opened store
// and its worker, and with nil, nil when they stop (before a rebuild or a
// restart opens the directory again).
func Supervise(ctx context.Context, cfg Config, started func(*cachestore.Store, *worker.Worker)) error {
	s := &supervisor{cfg: cfg, started: started, requests: make(chan *request)}
	if done, err := FinishSwap(cfg.Dir); err != nil {
		return err
	} else if done {
		cfg.log().Warn("finished a cache swap that was interrupted", "dir", cfg.Dir)
	}
	if cfg.JS != nil && cfg.JS.Conn().IsConnected() {
		// A rebuild killed before its cleanup left its consumer behind (a
		// resumed stream rebuild re-creates it at the staging position).
		// Before any rebuild of this run can create it; skipped while NATS
		// is down so that start-up never waits for it.
		dropRebuildConsumer(cfg)
	}
	g, gctx := errgroup.WithContext(ctx)
	if cfg.JS != nil && cfg.TriggerSubject != "-" {
		name := cmp.Or(cfg.Worker.Name, "default")
		r := ops.NewResponder(cfg.JS.Conn(), s.trigger, &ops.ResponderOptions{Subject: cfg.TriggerSubject, Name: name, Logger: cfg.log()})
		g.Go(func() error { return r.Run(gctx) })
		svc, err := s.addService()
		if err != nil {
			cfg.log().Warn("status service not registered; live status unavailable", "error", err)
		} else {
			defer svc.Stop()
		}
	}
	g.Go(func() error { return s.loop(gctx) })
	return g.Wait()
}

func (s *supervisor) loop(ctx context.Context) error {
	var recent []time.Time
	for ctx.Err() == nil {
		err := s.runOnce(ctx)
		var rq errRequested
		if errors.As(err, &rq) {
			s.serve(ctx, rq.req) // answers even when ctx is done, so the requester never hangs
			continue
		}
		if err == nil || ctx.Err() != nil {
			return nil
		}
		if !worker.NeedsRebuild(err) && !errors.Is(err, ErrDiverged) {
			return err
		}
		if recent = trim(recent, time.Now()); len(recent) >= maxRebuilds {
			return fmt.Errorf("%w: last error: %v", ErrRebuildLoop, err)
		}
		recent = append(recent, time.Now())
		if err := Repair(ctx, s.cfg, err); err != nil {
			return err
		}
	}
	return nil
}

func (s *supervisor) runOnce(ctx context.Context) error {
	cache, err := s.open()
	if err != nil {
		return err
	}
	store := cache.Store
	defer cache.Close() // the store and its index follower
	w, err := worker.New(store, s.cfg.JS, &s.cfg.Worker)
	if err != nil {
		return err
	}
	if s.cfg.Serve != nil {
		cache.Health = healthOf(w)
		s.cfg.Serve.Attach(cache)
		defer s.cfg.Serve.Detach() // before store.Close: waits for requests in flight
	}
	s.store.Store(store)
	s.worker.Store(w)
	defer s.store.Store(nil)
	defer s.worker.Store(nil)
	if s.started != nil {
		s.started(store, w)
		// INVARIANT 7 (readiness): a cache that is closed for a rebuild or
		// a restart is not served as ready: the observer hears nil first.
		defer s.started(nil, nil)
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g, gctx := errgroup.WithContext(runCtx)
	g.Go(func() error { return w.Run(gctx) })
	g.Go(func() error { return s.watchRequests(gctx, cancel) })
	if s.cfg.DB != nil && s.cfg.ValidateEvery > 0 {
		g.Go(func() error { return validateLoop(gctx, s.cfg, store) })
	}
	err = g.Wait()
	if cause := context.Cause(runCtx); err == nil && errors.As(cause, new(errRequested)) {
		return cause
	}
	return err
}

// open opens the cache, with a retrieval index when it is served.
func (s *supervisor) open() (*query.Cache, error) {
	if s.cfg.Serve == nil {
		store, err := cachestore.Open(s.cfg.Dir, &s.cfg.Options)
		if err != nil {
			return nil, err
		}
		return &query.Cache{Store: store}, nil
	}
	c, err := query.OpenIndexed(s.cfg.Dir, s.cfg.Options)
	if err == nil {
		s.cfg.log().Info("retrieval index built", "dir", s.cfg.Dir, "took", c.BuildTime.Round(time.Millisecond),
			"episodes", c.Index.Stats().Episodes, "approx_bytes", c.Index.Stats().ApproxBytes)
	}
	return c, err
}

// healthOf adapts the worker's health for the read side's freshness.
func healthOf(w *worker.Worker) func() query.Health {
	return func() query.Health {
		h := w.Health()
		return query.Health{Head: h.Head, Lag: h.Lag, Stale: h.Stale, Reason: h.StaleReason}
	}
}

// watchRequests stops the run when an operator request needs the directory.
func (s *supervisor) watchRequests(ctx context.Context, cancel context.CancelCauseFunc) error {
	select {
	case <-ctx.Done():
	case rq := <-s.requests:
		cancel(errRequested{rq})
	}
	return nil
}

// serve performs a request with the worker stopped.
func (s *supervisor) serve(ctx context.Context, rq *request) {
	if ctx.Err() != nil {
		rq.done <- Result{}
		rq.err <- ctx.Err()
		return
	}
	switch rq.kind {
	case "rebuild":
		source := "stream"
		if s.cfg.DB != nil {
			source = "turso"
		}
		res, err := Run(ctx, s.cfg, source, "requested")
		rq.done <- res
		rq.err <- err
	case "replay":
		rq.done <- Result{}
		rq.err <- replay(s.cfg)
	}
}

// replay re-applies the whole stream ("full"): versions make it idempotent.
func replay(cfg Config) error {
	store, err := cachestore.Open(cfg.Dir, &cfg.Options)
	if err != nil {
		return err
	}
	defer store.Close()
	return store.ResetPosition()
}

func trim(ts []time.Time, now time.Time) []time.Time {
	out := ts[:0]
	for _, t := range ts {
		if now.Sub(t) < rebuildWindow {
			out = append(out, t)
		}
	}
	return out
}

// Repair rebuilds the cache for cause (an error worker.NeedsRebuild
// accepts, or ErrDiverged) with the cache closed. It picks the source: Turso
// when the cache cannot trust the stream's history (replaced or purged
// stream, lineage change, expired tombstones, a stuck batch, a divergence)
// and Turso is reachable from here, the stream otherwise. `run --once` uses
// it as the supervisor does.
func Repair(ctx context.Context, cfg Config, cause error) error {
	source := "stream"
	if cfg.DB != nil && (errors.Is(cause, worker.ErrStreamReplaced) || errors.Is(cause, worker.ErrLineageChanged) ||
		errors.Is(cause, ErrDiverged) || errors.Is(cause, worker.ErrTombstonesExpired) || errors.Is(cause, worker.ErrStuck)) {
		source = "turso"
	}
	reason := reasonOf(cause)
	cfg.log().Warn("cache cannot be trusted; rebuilding it", "reason", reason, "source", source, "dir", cfg.Dir, "error", cause)
	_, err := Run(ctx, cfg, source, reason)
	return err
}

func reasonOf(err error) string {
	switch {
	case errors.Is(err, cachestore.ErrCorrupt):
		return "corrupt"
	case errors.Is(err, worker.ErrStreamReplaced):
		return "stream-replaced"
	case errors.Is(err, worker.ErrLineageChanged):
		return "lineage-changed"
	case errors.Is(err, cachestore.ErrConfigChanged):
		return "options-changed"
	case errors.Is(err, ErrDiverged):
		return "diverged"
	case errors.Is(err, worker.ErrTombstonesExpired):
		return "tombstones-expired"
	case errors.Is(err, worker.ErrStuck):
		return "stuck"
	}
	return "error"
}
