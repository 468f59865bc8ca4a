package main

import (
	"context"
	"errors"
)

// metricsFlags are the long-running commands' --metrics-addr.
type metricsFlags struct {
	addr  string
	pprof bool
}

func (m *metricsFlags) register(cl *commandLine) {
	cl.fs.StringVar(&m.addr, "metrics-addr", "", "address for Prometheus /metrics, /healthz and /readyz (e.g. 127.0.0.1:9464)")
	cl.fs.BoolVar(&m.pprof, "pprof", false, "also serve Go's runtime profiles under /debug/pprof/ on --metrics-addr (for go tool pprof)")
}

// serve runs the metrics endpoint of o when --metrics-addr is set, and
// waits for ctx otherwise.
func (m *metricsFlags) serve(ctx context.Context, o *pipelineMetrics) error {
	if m.addr == "" {
		<-ctx.Done()
		return nil
	}
	if m.pprof {
		o.reg.EnableProfiling()
	}
	return o.reg.Serve(ctx, m.addr)
}

// check refuses --pprof without an address to serve the profiles on.
func (m *metricsFlags) check() error {
	if m.pprof && m.addr == "" {
		return errors.New("--pprof needs --metrics-addr: the profiles are served there")
	}
	return nil
}
