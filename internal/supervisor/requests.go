package supervisor

import (
	"context"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/rebuild"
)

// errRequested stops the running worker for an operator request.
type errRequested struct{ req *request }

func (e errRequested) Error() string { return "operator request: " + e.req.kind }

// request is an operator's (sync.trigger) that needs the cache closed.
type request struct {
	kind string // "rebuild" or "replay"
	done chan rebuild.Result
	err  chan error
}

// request asks the supervision loop to stop the worker and do kind.
func (s *supervisor) request(ctx context.Context, kind string) (rebuild.Result, error) {
	rq := &request{kind: kind, done: make(chan rebuild.Result, 1), err: make(chan error, 1)}
	select {
	case s.requests <- rq:
	case <-ctx.Done():
		return rebuild.Result{}, ctx.Err()
	}
	select {
	case res := <-rq.done:
		return res, <-rq.err
	case <-ctx.Done():
		return rebuild.Result{}, ctx.Err()
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
		rq.done <- rebuild.Result{}
		rq.err <- ctx.Err()
		return
	}
	switch rq.kind {
	case "rebuild":
		res, err := rebuild.Run(ctx, s.opts.Config, requestedSource(s.opts.DB != nil), "requested")
		rq.done <- res
		rq.err <- err
	case "replay":
		rq.done <- rebuild.Result{}
		rq.err <- replay(s.opts.Config)
	}
}

// replay re-applies the whole stream ("full"): versions make it idempotent.
func replay(cfg rebuild.Config) error {
	store, err := cachestore.Open(cfg.Dir, &cfg.Options)
	if err != nil {
		return err
	}
	defer store.Close()
	return store.ResetPosition()
}
