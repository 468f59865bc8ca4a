package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds memsync's metrics.
type Registry struct {
	reg         *prometheus.Registry
	BatchSize   *prometheus.HistogramVec
	BatchTime   *prometheus.HistogramVec
	Rebuilds    *prometheus.CounterVec
	readyChecks []func() error
	profiling   bool
}

// New creates a registry with the batch histograms and rebuild counter.
func New() *Registry {
	r := &Registry{reg: prometheus.NewRegistry()}
	r.BatchSize = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "memsync_batch_messages",
		Help: "Messages per batch.", Buckets: []float64{1, 8, 32, 64, 128, 256, 500, 1000}}, []string{"component"})
	r.BatchTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "memsync_batch_seconds",
		Help: "Duration of a publish or apply batch.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"component"})
	r.Rebuilds = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "memsync_worker_rebuilds_total",
		Help: "Cache rebuilds by reason."}, []string{"reason"})
	r.reg.MustRegister(r.BatchSize, r.BatchTime, r.Rebuilds)
	return r
}

// Gauge registers a gauge read at scrape time.
func (r *Registry) Gauge(name, help string, f func() float64) {
	r.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}

// Counter registers a counter read at scrape time.
func (r *Registry) Counter(name, help string, f func() float64) {
	r.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
}

// Ready adds a readiness check for /readyz (nil error: ready).
func (r *Registry) Ready(check func() error) { r.readyChecks = append(r.readyChecks, check) }

// EnableProfiling makes Handler serve Go's runtime profiles under
// /debug/pprof/ too (CPU, heap, goroutines, trace): off unless an operator
// asks, since a profile shows the process's internals to whoever reaches
// the address. Never the command line (net/http/pprof's cmdline): it may
// hold a token or a password given as a flag.
func (r *Registry) EnableProfiling() { r.profiling = true }

// Handler serves /metrics, /healthz (process alive) and /readyz, and
// /debug/pprof/ once EnableProfiling was called.
func (r *Registry) Handler() http.Handler {
	mux := http.NewServeMux()
	if r.profiling {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	mux.Handle("/metrics", promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		for _, c := range r.readyChecks {
			if err := c(); err != nil {
				http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	return mux
}

// Serve listens on addr until ctx is done.
func (r *Registry) Serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: r.Handler(), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }() // awaited below on every path
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}
