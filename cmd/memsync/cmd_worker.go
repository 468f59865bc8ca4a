package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/memsync/memsync/internal/turso"
)

// workerArgs is the command line of worker.
type workerArgs struct {
	*workerHost
	metrics metricsFlags
	serve   serveFlags
}

func parseWorker(args []string) (*workerArgs, error) {
	a := &workerArgs{workerHost: newWorkerHost("worker")}
	a.use(&a.metrics, &a.serve)
	return a, a.parse(args)
}

// runWorker runs one supervised worker on its cache, serving it, until ctx
// is done; it starts while NATS is down.
func runWorker(ctx context.Context, args []string) error {
	a, err := parseWorker(args)
	if err != nil {
		return err
	}
	log := a.logger()
	a.memory.apply(log)
	if err := os.MkdirAll(filepath.Dir(a.cachePath()), 0o755); err != nil {
		return err
	}
	n, err := a.nats.connect(log, false)
	if err != nil {
		return err
	}
	defer n.close()
	db := a.optionalTurso(ctx, log)
	if db != nil {
		defer db.Close()
	}
	rd, err := a.serve.newReads(a.dataDir, a.cache.worker, "", log)
	if err != nil {
		return err
	}
	log.Info("worker running", "cache", a.cachePath(), "worker", a.cache.worker)
	obs := newPipelineMetrics()
	return runServices(ctx, &a.metrics, obs, a.supervisedWorker(n, db, rd, obs, log))
}

// optionalTurso opens Turso for a worker only when one was configured: it
// enables Turso rebuilds; without it the worker rebuilds from the stream.
func (a *workerArgs) optionalTurso(ctx context.Context, log *slog.Logger) *turso.DB {
	if !a.turso.given() {
		return nil
	}
	db, err := a.turso.open(ctx)
	if err != nil {
		log.Warn("Turso unavailable; rebuilds will use the stream", "error", err)
		return nil
	}
	return db
}
