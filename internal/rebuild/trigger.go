package rebuild

import (
	"context"
	"errors"

	"github.com/memsync/memsync/internal/validate"
	"github.com/memsync/memsync/protocol"
)

// WorkerStatus is the reply to an incremental trigger.
type WorkerStatus struct {
	Position       uint64 `json:"position"`
	AppliedVersion uint64 `json:"applied_version"`
	LastSyncMs     int64  `json:"last_sync_ms"`
}

// trigger handles sync.trigger for the supervised worker.
func (s *supervisor) trigger(ctx context.Context, mode protocol.TriggerMode) (any, bool, error) {
	switch mode {
	case protocol.TriggerIncremental:
		return s.status(), true, nil // the worker consumes continuously; report where it is
	case protocol.TriggerValidate:
		return s.validate(ctx)
	case protocol.TriggerRebuild:
		res, err := s.request(ctx, "rebuild")
		return res, true, err
	case protocol.TriggerFull:
		_, err := s.request(ctx, "replay")
		return s.status(), true, err
	}
	return nil, false, nil
}

func (s *supervisor) status() *WorkerStatus {
	store := s.store.Load()
	if store == nil {
		return nil
	}
	st := store.State()
	return &WorkerStatus{Position: st.Position, AppliedVersion: st.AppliedVersion, LastSyncMs: st.LastSyncMs}
}

func (s *supervisor) validate(ctx context.Context) (any, bool, error) {
	if s.cfg.DB == nil {
		return nil, true, errors.New("this worker has no Turso access (--turso) to validate against")
	}
	store := s.store.Load()
	if store == nil {
		return nil, true, errors.New("cache is being rebuilt; try again")
	}
	r, err := validate.Run(ctx, s.cfg.DB, store, &validate.Options{MaxMessageBytes: s.cfg.maxMessageBytes()})
	return r, true, err
}

// request asks the supervision loop to stop the worker and do kind.
func (s *supervisor) request(ctx context.Context, kind string) (Result, error) {
	rq := &request{kind: kind, done: make(chan Result, 1), err: make(chan error, 1)}
	select {
	case s.requests <- rq:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	select {
	case res := <-rq.done:
		return res, <-rq.err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}
