package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/ops"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/supervisor"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/worker"
)

// The parts run, changefeed and worker share: the changefeed with its
// trigger responder, the supervised worker with its read side, the
// metrics endpoint, run in one errgroup; and run --once's catch-up.

// service is one long-running part of a command, started in g.
type service func(ctx context.Context, g *errgroup.Group)

// runServices runs the services and the metrics endpoint of obs until ctx
// is done or one of them fails.
func runServices(ctx context.Context, m *metricsFlags, obs *pipelineMetrics, services ...service) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, start := range services {
		start(gctx, g)
	}
	g.Go(func() error { return m.serve(gctx, obs) })
	return g.Wait()
}

// newChangefeed builds the changefeed with its metrics registered in obs.
func newChangefeed(db *turso.DB, n *natsConn, opts changefeed.Options, obs *pipelineMetrics) (*changefeed.Changefeed, error) {
	obs.changefeedHooks(&opts)
	cf, err := changefeed.New(db, n.js, &opts)
	if err != nil {
		return nil, usageError(err)
	}
	obs.changefeed(cf)
	return cf, nil
}

// changefeedService runs the changefeed, its sync.trigger responder (on
// triggerSubject) and its status service.
func changefeedService(n *natsConn, cf *changefeed.Changefeed, triggerSubject string, log *slog.Logger) service {
	return func(ctx context.Context, g *errgroup.Group) {
		if svc, err := cf.AddService(); err != nil {
			log.Warn("changefeed status service not registered", "error", err)
		} else {
			n.onClose(func() { _ = svc.Stop() })
		}
		r := ops.NewResponder(n.nc, cf.HandleTrigger, &ops.ResponderOptions{Subject: triggerSubject, Name: "changefeed", AcceptPolls: true, Logger: log})
		g.Go(func() error { return cf.Run(ctx) })
		g.Go(func() error { return r.Run(ctx) })
	}
}

// supervisedWorker prepares the supervisor of this command's worker, its
// metrics in obs and its read side rd (nil: not served), and returns the
// service that runs them.
func (c *workerHost) supervisedWorker(n *natsConn, db *turso.DB, rd *reads, obs *pipelineMetrics, log *slog.Logger) service {
	rcfg := c.supervisorOptions(n, db, log)
	obs.workers(&rcfg)
	rd.attach(&rcfg)
	return func(gctx context.Context, g *errgroup.Group) {
		g.Go(func() error { return supervisor.Supervise(gctx, &rcfg, obs.started) })
		rd.run(gctx, g)
	}
}

func (c *workerHost) rebuildConfig(n *natsConn, db *turso.DB, log *slog.Logger) rebuild.Config {
	b := c.asideBudget()
	return rebuild.Config{Dir: c.cachePath(), Options: *c.storeOptions(), JS: n.js, DB: db, Worker: *c.workerOptions(log),
		Logger: log, Aside: &b}
}

// supervisorOptions are the supervisor's: the rebuild config and what is
// about supervising the worker.
func (c *workerHost) supervisorOptions(n *natsConn, db *turso.DB, log *slog.Logger) supervisor.Options {
	return supervisor.Options{Config: c.rebuildConfig(n, db, log), ValidateEvery: c.validateEvery, TriggerSubject: c.triggerSubj,
		EmbeddedNATS: n.srv != nil}
}

// runOnce catches the cache up. A cache only a rebuild repairs (a replaced
// or purged stream, another database at the Turso URL, a stuck batch) is
// rebuilt from Turso once the change log is published, then caught up again.
func (c *workerHost) runOnce(ctx context.Context, cf *changefeed.Changefeed, n *natsConn, db *turso.DB, log *slog.Logger) error {
	if err := os.MkdirAll(filepath.Dir(c.cachePath()), 0o755); err != nil {
		return err
	}
	err := c.catchUpCache(ctx, cf, n, log)
	if worker.NeedsRebuild(err) {
		if _, perr := publishAll(ctx, cf, log); perr != nil {
			return perr
		}
		if rerr := supervisor.Repair(ctx, c.rebuildConfig(n, db, log), err); rerr != nil {
			return rerr
		}
		err = c.catchUpCache(ctx, cf, n, log)
	}
	if err != nil {
		return err
	}
	c.printNext()
	return nil
}

// catchUpCache opens the cache (repairing it first if it is corrupt) and
// catches up; the cache is closed when it returns.
func (c *workerHost) catchUpCache(ctx context.Context, cf *changefeed.Changefeed, n *natsConn, log *slog.Logger) error {
	store, err := c.cache.open()
	if errors.Is(err, cachestore.ErrConfigChanged) || errors.Is(err, cachestore.ErrCorrupt) {
		// A fresh cache built from the stream replaces it (the old one is kept aside).
		aside, merr := rebuild.MoveAsideWithin(c.cachePath(), "run-once", c.asideBudget())
		if merr != nil {
			return merr
		}
		log.Warn("cache cannot be used as it is; building a fresh one", "error", err, "old_cache_kept_at", aside)
		store, err = c.cache.open()
	}
	if err != nil {
		return err
	}
	defer store.Close()
	w, err := worker.New(store, n.js, c.workerOptions(log))
	if err != nil {
		return usageError(err)
	}
	return publishAndApply(ctx, cf, w, log)
}
