package supervisor

import (
	"context"
	"errors"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/worker"
)

// runOnce opens the cache, serves it and runs a worker on it until the
// worker stops, an operator request needs the directory (errRequested) or
// periodic validation confirms a divergence (ErrDiverged).
func (s *supervisor) runOnce(ctx context.Context) error {
	verifyLater := !s.opts.Options.SkipVerify
	cache, err := s.open(verifyLater)
	if err != nil {
		return err
	}
	store := cache.Store
	defer cache.Close() // the store and its index follower
	w, err := worker.New(store, s.opts.JS, &s.opts.Worker)
	if err != nil {
		return err
	}
	if s.opts.Serve != nil {
		cache.Health = healthOf(w)
		s.opts.Serve.Attach(cache)
		defer s.opts.Serve.Detach() // before store.Close: waits for requests in flight
	}
	s.store.Store(store)
	s.worker.Store(w)
	defer s.store.Store(nil)
	defer s.worker.Store(nil)
	if s.started != nil {
		s.started(store, w)
		// INVARIANT 7.1 (readiness): a cache that is closed for a rebuild or
		// a restart is not served as ready: the observer hears nil first.
		defer s.started(nil, nil)
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g, gctx := errgroup.WithContext(runCtx)
	g.Go(func() error { return w.Run(gctx) })
	g.Go(func() error { return s.watchRequests(gctx, cancel) })
	if verifyLater {
		g.Go(func() error { return s.verify(gctx, store) })
	}
	if s.opts.DB != nil && s.opts.ValidateEvery > 0 {
		g.Go(func() error { return validateLoop(gctx, &s.opts, store) })
	}
	err = g.Wait()
	if cause := context.Cause(runCtx); err == nil && errors.As(cause, new(errRequested)) {
		return cause
	}
	return err
}

// open opens the cache, with a retrieval index when it is served; with
// verifyLater its integrity scan is left to verify, so that the worker and
// the reads start without waiting for it (it reads every key: ~1 s for a
// catalog of 400k keys).
func (s *supervisor) open(verifyLater bool) (*query.Cache, error) {
	o := s.opts.Options
	o.SkipVerify = o.SkipVerify || verifyLater
	if s.opts.Serve == nil {
		start := time.Now()
		store, err := cachestore.Open(s.opts.Dir, &o)
		if err != nil {
			return nil, err
		}
		s.opts.Logger.Debug("cache opened", "dir", s.opts.Dir, "took", time.Since(start).Round(time.Microsecond))
		return &query.Cache{Store: store}, nil
	}
	c, err := query.OpenIndexed(s.opts.Dir, o)
	if err == nil {
		s.opts.Logger.Info("retrieval index built", "dir", s.opts.Dir, "took", c.BuildTime.Round(time.Millisecond),
			"episodes", c.Index.Stats().Episodes, "approx_bytes", c.Index.Stats().ApproxBytes)
	}
	return c, err
}

// verify runs the cache's integrity scan while the worker runs. Damage is
// returned (cachestore.ErrCorrupt), which stops the worker and has the
// cache rebuilt; until then Pebble's per-block checksums fail any read of a
// damaged block, so nothing damaged is served.
// INVARIANT 9: a corrupt cache is found and rebuilt, never patched.
func (s *supervisor) verify(ctx context.Context, store *cachestore.Store) error {
	err := store.Verify(ctx)
	switch {
	case err == nil:
		st := store.IntegrityScan()
		s.opts.Logger.Debug("integrity scan passed", "dir", s.opts.Dir, "keys", st.Keys, "bytes", st.Bytes, "took", st.Took.Round(time.Millisecond))
		return nil
	case ctx.Err() != nil, errors.Is(err, cachestore.ErrClosed):
		return nil
	}
	return err
}

// healthOf adapts the worker's health for the read side's freshness.
func healthOf(w *worker.Worker) func() query.Health {
	return func() query.Health {
		h := w.Health()
		return query.Health{Head: h.Head, Lag: h.Lag, Stale: h.Stale, Reason: h.StaleReason}
	}
}
