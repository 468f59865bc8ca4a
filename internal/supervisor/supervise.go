package supervisor

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/ops"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/worker"
)

// supervisor owns the cache directory and the worker running on it.
type supervisor struct {
	opts     Options
	started  func(*cachestore.Store, *worker.Worker)
	requests chan *request
	store    atomic.Pointer[cachestore.Store]
	worker   atomic.Pointer[worker.Worker]
	limit    rebuildLimit
	// run is one worker run on the cache (runOnce; the loop's tests replace
	// it with runs that fail as a worker does).
	run func(context.Context) error
	// rebuild is rebuild.Run (the loop's tests inject failing rebuilds).
	rebuild rebuildFunc
	// retryWait separates repairs that could not reach the stream
	// (unreachableRetry; the loop's tests shorten it).
	retryWait time.Duration
}

func newSupervisor(o Options, started func(*cachestore.Store, *worker.Worker)) *supervisor {
	s := &supervisor{opts: o, started: started, requests: make(chan *request), limit: rebuildLimit{now: o.now}, retryWait: unreachableRetry}
	s.run, s.rebuild = s.runOnce, rebuild.Run
	return s
}

// Supervise runs a worker on opts.Dir until ctx is done, and repairs the
// cache automatically: a cache that fails to open as corrupt, or a worker
// that stops with an error only a rebuild fixes (corruption, stream
// recreated, lineage changed, tombstones expired, a stuck batch, a
// divergence confirmed by periodic validation), gets the right rebuild,
// logged with the reason, and consumption resumes. It also answers
// sync.trigger for the worker. started is called with each opened store
// and its worker, and with nil, nil when they stop (before a rebuild or a
// restart opens the directory again).
func Supervise(ctx context.Context, opts *Options, started func(*cachestore.Store, *worker.Worker)) error {
	o := *opts.EnsureDefaults()
	if err := o.Validate(); err != nil {
		return err
	}
	s := newSupervisor(o, started)
	if done, err := rebuild.FinishSwap(o.Dir); err != nil {
		return err
	} else if done {
		o.Logger.Warn("finished a cache swap that was interrupted", "dir", o.Dir)
	}
	if o.JS != nil && o.JS.Conn().IsConnected() {
		// A rebuild killed before its cleanup left its consumer behind (a
		// resumed stream rebuild re-creates it at the staging position).
		// Before any rebuild of this run can create it; skipped while NATS
		// is down so that start-up never waits for it.
		rebuild.CleanupConsumer(o.Config)
	}
	g, gctx := errgroup.WithContext(ctx)
	if o.JS != nil && o.TriggerSubject != "-" {
		r := ops.NewResponder(o.JS.Conn(), s.trigger, &ops.ResponderOptions{Subject: o.TriggerSubject, Name: o.Worker.Name, Logger: o.Logger})
		g.Go(func() error { return r.Run(gctx) })
		svc, err := s.addService()
		if err != nil {
			o.Logger.Warn("status service not registered; live status unavailable", "error", err)
		} else {
			defer svc.Stop()
		}
	}
	g.Go(func() error { return s.loop(gctx) })
	return g.Wait()
}

// loop runs the worker again and again: after an operator request, and
// after a rebuild for an error that needs one (within the rate limit).
func (s *supervisor) loop(ctx context.Context) error {
	for ctx.Err() == nil {
		err := s.run(ctx)
		var rq errRequested
		if errors.As(err, &rq) {
			s.serve(ctx, rq.req) // answers even when ctx is done, so the requester never hangs
			continue
		}
		if err == nil || ctx.Err() != nil {
			return nil
		}
		if !needsRepair(err) {
			return err
		}
		if !s.limit.allow() {
			return fmt.Errorf("%w: last error: %v", ErrRebuildLoop, err)
		}
		if rerr := s.repairReachable(ctx, err); rerr != nil {
			if ctx.Err() != nil || !needsRepair(rerr) {
				return rerr
			}
			// INVARIANT 9 (liveness): a rebuild the stream kept changing
			// under is not the end of the supervisor: the next round opens
			// the cache again (served if it still opens) and repairs it
			// again, within the rate limit.
			s.opts.Logger.Warn("rebuild failed; the cache is opened and repaired again", "error", rerr)
		}
	}
	return nil
}
