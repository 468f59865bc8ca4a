package main

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/memstat"
	"github.com/memsync/memsync/internal/metrics"
	"github.com/memsync/memsync/internal/supervisor"
	"github.com/memsync/memsync/worker"
)

// pipelineMetrics wires the changefeed's and the supervised worker's
// counters, gauges and readiness into one metrics registry.
type pipelineMetrics struct {
	reg    *metrics.Registry
	worker atomic.Pointer[worker.Worker] // the supervised worker running now, nil while none runs
}

func newPipelineMetrics() *pipelineMetrics {
	o := &pipelineMetrics{reg: metrics.New()}
	o.process()
	return o
}

// process registers the process's memory (the embedded NATS server's
// included when `run` embeds it): what --memory-limit bounds.
func (o *pipelineMetrics) process() {
	r := o.reg
	r.Gauge("memsync_process_resident_bytes", "Resident set of the process (the embedded NATS server included).", func() float64 { return float64(memstat.RSSBytes()) })
	r.Gauge("memsync_go_memory_bytes", "Memory the Go runtime mapped, what --memory-limit is compared with.", func() float64 { return float64(memstat.GoTotalBytes()) })
	r.Gauge("memsync_memory_limit_bytes", "Soft memory limit (--memory-limit or GOMEMLIMIT; 0: none).", func() float64 { return float64(memstat.LimitBytes()) })
}

// boolGauge is a gauge's value for a condition: 1 when it holds.
func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// changefeedHooks observes batches; call before changefeed.New.
func (o *pipelineMetrics) changefeedHooks(opts *changefeed.Options) {
	r := o.reg
	opts.OnBatch = func(n int, took time.Duration) {
		r.BatchSize.WithLabelValues("changefeed").Observe(float64(n))
		r.BatchTime.WithLabelValues("changefeed").Observe(took.Seconds())
	}
}

// changefeed registers the changefeed's counters, gauges and readiness.
func (o *pipelineMetrics) changefeed(cf *changefeed.Changefeed) {
	r := o.reg
	st := func() changefeed.Stats { return cf.Stats() }
	r.Counter("memsync_changefeed_published_total", "Entity messages published.", func() float64 { return float64(st().Published) })
	r.Counter("memsync_changefeed_batches_total", "Atomic batches published.", func() float64 { return float64(st().Batches) })
	r.Counter("memsync_changefeed_fenced_total", "Batches rejected because another publisher moved first.", func() float64 { return float64(st().Fenced) })
	r.Counter("memsync_changefeed_dead_letters_total", "Rows parked in the dead-letter stream.", func() float64 { return float64(st().DeadLetters) })
	r.Counter("memsync_changefeed_pruned_total", "Change-log rows pruned.", func() float64 { return float64(st().Pruned) })
	r.Gauge("memsync_changefeed_cursor", "Published checkpoint cursor (change_id).", func() float64 { return float64(st().Cursor) })
	r.Gauge("memsync_turso_head_version", "Turso change-log head seen by the changefeed.", func() float64 { return float64(st().Head) })
	r.Gauge("memsync_changefeed_outage", "1 while the changefeed cannot reach Turso or NATS.", func() float64 { return boolGauge(!st().OutageSince.IsZero()) })
	r.Ready(func() error {
		if s := st(); !s.OutageSince.IsZero() {
			return errors.New("changefeed outage: " + s.LastError)
		}
		return nil
	})
}

func (o *pipelineMetrics) workers(cfg *supervisor.Options) {
	r := o.reg
	stats := func() worker.Stats {
		if w := o.worker.Load(); w != nil {
			return w.Stats()
		}
		return worker.Stats{}
	}
	health := func() worker.Health {
		if w := o.worker.Load(); w != nil {
			return w.Health()
		}
		return worker.Health{Stale: true}
	}
	r.Counter("memsync_worker_applied_total", "Changes applied to the cache.", func() float64 { return float64(stats().Applied) })
	r.Counter("memsync_worker_skipped_total", "Redelivered or older changes ignored.", func() float64 { return float64(stats().Skipped) })
	r.Counter("memsync_worker_batches_total", "Batches committed.", func() float64 { return float64(stats().Batches) })
	r.Counter("memsync_worker_dead_letters_total", "Messages parked in the dead-letter stream.", func() float64 { return float64(stats().DeadLetters) })
	r.Gauge("memsync_worker_applied_version", "Checkpoint cursor applied by the cache.", func() float64 { return float64(health().Applied) })
	r.Gauge("memsync_worker_lag_versions", "Turso head minus applied version.", func() float64 { return float64(health().Lag) })
	r.Gauge("memsync_worker_lag_seconds", "How long the cache has been behind.", func() float64 { return health().LagSeconds })
	r.Gauge("memsync_worker_stale", "1 when the cache is stale.", func() float64 { return boolGauge(health().Stale) })
	r.Gauge("memsync_worker_outage", "1 while the worker cannot reach the stream.", func() float64 { return boolGauge(!stats().OutageSince.IsZero()) })
	cfg.Worker.OnBatch = func(n int, took time.Duration) {
		r.BatchSize.WithLabelValues("worker").Observe(float64(n))
		r.BatchTime.WithLabelValues("worker").Observe(took.Seconds())
	}
	cfg.OnRebuild = func(reason string) { r.Rebuilds.WithLabelValues(reason).Inc() }
	r.Ready(func() error {
		if o.worker.Load() == nil {
			return errors.New("no worker running: the cache is being opened, repaired or rebuilt")
		}
		h := health()
		switch {
		case !h.CaughtUp:
			return errors.New("worker still catching up")
		case h.Stale:
			return errors.New("worker stale: " + h.StaleReason)
		}
		return nil
	})
}

// started records the supervised worker currently running (nil while none
// runs: during a rebuild /readyz says not ready).
func (o *pipelineMetrics) started(_ *cachestore.Store, w *worker.Worker) { o.worker.Store(w) }
