package worker

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/memsync/memsync/protocol"
)

// Health is the worker's view of how far behind Turso its cache is.
type Health struct {
	Head          uint64    `json:"turso_head_version"`
	Applied       uint64    `json:"applied_version"`
	Lag           uint64    `json:"lag"`
	LagSeconds    float64   `json:"lag_seconds"`
	Stale         bool      `json:"stale"`
	StaleReason   string    `json:"stale_reason,omitempty"`
	LastHeartbeat time.Time `json:"last_heartbeat,omitzero"`
	CaughtUp      bool      `json:"caught_up"` // the startup catch-up finished
}

// health tracks heartbeats and staleness; written by the heartbeat
// subscription and the Run loop, read by status.
type health struct {
	mu         sync.Mutex
	started    time.Time
	lastBeat   time.Time
	head       uint64
	foreign    string // lineage of heartbeats from another database's changefeed
	caughtUpAt time.Time
	askedAt    time.Time
	h          Health
}

func (w *Worker) onHeartbeat(m *nats.Msg) {
	hb, err := protocol.DecodeHeartbeat(m.Data)
	if err != nil {
		return
	}
	mine := w.store.State().Lineage
	w.health.mu.Lock()
	defer w.health.mu.Unlock()
	if mine != "" && hb.Lineage != mine {
		// Another database's head says nothing about this cache's lag, and
		// it is no sign of life of this database's changefeed.
		w.health.foreign = hb.Lineage
		return
	}
	w.health.foreign = ""
	w.health.lastBeat, w.health.head = w.now(), hb.Head
}

// evaluate recomputes staleness, logs state changes (not every check) and
// asks the changefeed for a poll when the cache is behind.
func (w *Worker) evaluate(now time.Time) {
	applied := w.store.State().AppliedVersion
	w.health.mu.Lock()
	hs := &w.health
	next := Health{Head: hs.head, Applied: applied, LastHeartbeat: hs.lastBeat, CaughtUp: hs.h.CaughtUp}
	if hs.started.IsZero() {
		hs.started = now
	}
	if hs.head > applied {
		next.Lag = hs.head - applied
	} else {
		hs.caughtUpAt = now
	}
	if next.Lag > 0 && !hs.caughtUpAt.IsZero() {
		next.LagSeconds = now.Sub(hs.caughtUpAt).Seconds()
	}
	next.StaleReason = w.staleReason(now, next)
	next.Stale = next.StaleReason != ""
	prev := hs.h
	hs.h = next
	ask := next.Lag > 0 && now.Sub(hs.askedAt) > w.opts.StaleAfter/2
	if ask {
		hs.askedAt = now
	}
	hs.mu.Unlock()
	w.logStaleness(prev, next)
	if ask && next.Stale {
		w.askForPoll()
	}
}

func (w *Worker) staleReason(now time.Time, h Health) string {
	var r []string
	if h.Lag > w.opts.StaleVersions {
		r = append(r, "lag in versions over threshold")
	}
	if h.LagSeconds > w.opts.StaleAfter.Seconds() {
		r = append(r, "behind for too long")
	}
	since := w.health.lastBeat
	if since.IsZero() {
		since = w.health.started
	}
	if now.Sub(since) > w.opts.StaleAfter {
		r = append(r, "no changefeed heartbeat")
	}
	if w.health.foreign != "" {
		r = append(r, "the changefeed publishes another database (lineage "+w.health.foreign+")")
	}
	if t, _ := w.outage.State(); !t.IsZero() {
		r = append(r, "cannot reach the stream")
	}
	return strings.Join(r, "; ")
}

func (w *Worker) logStaleness(prev, next Health) {
	switch {
	case next.Stale && !prev.Stale:
		w.log.Warn("cache is stale", "reason", next.StaleReason, "lag", next.Lag, "lag_seconds", int(next.LagSeconds))
	case !next.Stale && prev.Stale:
		w.log.Info("cache is fresh again", "applied_version", next.Applied, "head", next.Head)
	}
}

// askForPoll publishes an incremental trigger for the changefeed.
func (w *Worker) askForPoll() {
	b, _ := json.Marshal(protocol.Trigger{Mode: protocol.TriggerIncremental, Target: "changefeed", Reason: "worker " + w.opts.Name + " is stale"})
	_ = w.js.Conn().Publish(w.opts.TriggerSubject, b)
}

// Health returns the latest staleness evaluation.
func (w *Worker) Health() Health {
	w.health.mu.Lock()
	defer w.health.mu.Unlock()
	return w.health.h
}
