package main

import "context"

// metricsFlags are the long-running commands' --metrics-addr.
type metricsFlags struct {
	addr string
}

func (m *metricsFlags) register(cl *commandLine) {
	cl.fs.StringVar(&m.addr, "metrics-addr", "", "address for Prometheus /metrics, /healthz and /readyz (e.g. 127.0.0.1:9464)")
}

// serve runs the metrics endpoint of o when --metrics-addr is set, and
// waits for ctx otherwise.
func (m *metricsFlags) serve(ctx context.Context, o *pipelineMetrics) error {
	if m.addr == "" {
		<-ctx.Done()
		return nil
	}
	return o.reg.Serve(ctx, m.addr)
}
