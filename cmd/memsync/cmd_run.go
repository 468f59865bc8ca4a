package main

import (
	"context"
	"log/slog"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/turso"
)

// runArgs is the command line of run: a worker host that also runs the
// changefeed, and the NATS server when --nats is absent.
type runArgs struct {
	*workerHost
	changefeed changefeedFlags
	metrics    metricsFlags
	serve      serveFlags
	once       bool
	demo       bool
}

func parseRun(args []string) (*runArgs, error) {
	a := &runArgs{workerHost: newWorkerHost("run")}
	a.use(&a.changefeed, &a.metrics, &a.serve)
	a.fs.BoolVar(&a.once, "once", false, "do one full catch-up (publish the whole change log, apply it) and exit 0")
	a.fs.BoolVar(&a.demo, "demo", false, "when the database has no episodes, seed realistic demo memories first")
	return a, a.parse(args)
}

// runAllInOne runs the changefeed and one supervised worker serving its
// cache (with --once: catches the cache up and exits).
func runAllInOne(ctx context.Context, args []string) error {
	a, err := parseRun(args)
	if err != nil {
		return err
	}
	log := a.logger()
	a.memory.apply(log)
	db, err := a.turso.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if a.demo {
		if err := seedDemo(ctx, db, log); err != nil {
			return err
		}
	}
	n, err := a.nats.connect(log, true)
	if err != nil {
		return err
	}
	defer n.close()
	obs := newPipelineMetrics()
	cf, err := newChangefeed(db, n, a.changefeed.options(&a.streamFlags, log), obs)
	if err != nil {
		return err
	}
	if a.once {
		return a.runOnce(ctx, cf, n, db, log)
	}
	rd, err := a.serve.newReads(a.dataDir, a.cache.worker, n.url, log)
	if err != nil {
		return err
	}
	supervised := a.supervisedWorker(n, db, rd, obs, log)
	log.Info("memsync running", "turso", db.URL(), "cache", a.cachePath(), "worker", a.cache.worker)
	return runServices(ctx, &a.metrics, obs, changefeedService(n, cf, a.triggerSubj, log), supervised)
}

// seedDemo seeds 2000 demo episodes into an empty database (run --demo).
func seedDemo(ctx context.Context, db *turso.DB, log *slog.Logger) error {
	if err := db.CreateTables(ctx); err != nil {
		return err
	}
	if n, err := db.Count(ctx, "episode"); err != nil || n > 0 {
		return err
	}
	log.Info("empty database: seeding demo memories", "episodes", 2000, "patterns", 50, "embedding_dim", 384)
	p := newProgress("seed", log)
	err := seed.Seed(ctx, db.SQL(), seed.Options{Episodes: 2000, Patterns: 50, EmbeddingDim: 384, Seed: 42,
		Progress: func(done int) { p.update(done, 2000) }})
	p.done()
	return err
}
