package supervisor

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/micro"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/memstat"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// LiveStatus is what `memsync status --nats` prints for a running worker.
type LiveStatus struct {
	Worker           string            `json:"worker"`
	Cache            string            `json:"cache"`
	Running          bool              `json:"running"`
	Ready            bool              `json:"ready"`
	AppliedVersion   uint64            `json:"applied_version"`
	TursoHeadVersion uint64            `json:"turso_head_version"`
	Lag              uint64            `json:"lag"`
	LagSeconds       float64           `json:"lag_seconds"`
	Stale            bool              `json:"stale"`
	StaleReason      string            `json:"stale_reason,omitempty"`
	Position         uint64            `json:"stream_position"`
	LastSync         *time.Time        `json:"last_sync"`
	LastError        string            `json:"last_error"`
	Counts           cachestore.Counts `json:"counts"`
	Stats            worker.Stats      `json:"stats"`
	Memory           memstat.Memory    `json:"memory"`
}

// addService registers the worker as a NATS micro service with status and
// validate endpoints, so status works while the worker holds its cache.
func (s *supervisor) addService() (micro.Service, error) {
	db, name := s.opts.Worker.DBName, s.opts.Worker.Name
	svc, err := micro.AddService(s.opts.JS.Conn(), micro.Config{Name: "memsync-worker", Version: "1.0.0",
		Description: "memsync worker " + name, Metadata: map[string]string{"worker": name, "db": db}})
	if err != nil {
		return nil, err
	}
	if err := svc.AddEndpoint("status", micro.HandlerFunc(s.serveStatus), micro.WithEndpointSubject(protocol.ServiceSubject(db, name, "status"))); err != nil {
		return svc, err
	}
	return svc, svc.AddEndpoint("validate", micro.HandlerFunc(s.serveValidate), micro.WithEndpointSubject(protocol.ServiceSubject(db, name, "validate")))
}

func (s *supervisor) serveStatus(req micro.Request) { _ = req.RespondJSON(s.liveStatus()) }

func (s *supervisor) serveValidate(req micro.Request) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r, _, err := s.validate(ctx)
	if err != nil {
		_ = req.Error("500", err.Error(), nil)
		return
	}
	_ = req.RespondJSON(r)
}

// liveStatus reads the running worker's state (cache, health, counters).
func (s *supervisor) liveStatus() LiveStatus {
	ls := LiveStatus{Worker: s.opts.Worker.Name, Cache: s.opts.Dir, Memory: memstat.Read()}
	ls.Memory.EmbeddedNATS = s.opts.EmbeddedNATS
	store, w := s.store.Load(), s.worker.Load()
	if store == nil || w == nil {
		ls.LastError, ls.Stale = "cache is being rebuilt", true
		return ls
	}
	st, h, stats := store.State(), w.Health(), w.Stats()
	ls.Running, ls.Ready = true, h.CaughtUp && !h.Stale
	ls.AppliedVersion, ls.TursoHeadVersion, ls.Lag, ls.LagSeconds = st.AppliedVersion, h.Head, h.Lag, h.LagSeconds
	ls.Stale, ls.StaleReason, ls.Position, ls.Stats, ls.LastError = h.Stale, h.StaleReason, st.Position, stats, stats.LastError
	if st.LastSyncMs > 0 {
		t := time.UnixMilli(st.LastSyncMs).UTC()
		ls.LastSync = &t
	}
	ls.Counts, _ = store.Counts()
	return ls
}
