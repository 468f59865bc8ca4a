package supervisor

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
	if s.opts.DB == nil {
		return nil, true, errors.New("this worker has no Turso access (--turso) to validate against")
	}
	store := s.store.Load()
	if store == nil {
		return nil, true, errors.New("cache is being rebuilt; try again")
	}
	r, err := validate.Run(ctx, s.opts.DB, store, &validate.Options{MaxMessageBytes: s.opts.MaxMessageBytes()})
	return r, true, err
}
