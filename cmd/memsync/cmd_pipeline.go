package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/ops"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/worker"
)

func (c *common) changefeedOptions(log *slog.Logger) changefeed.Options {
	o := changefeed.Options{DBName: c.dbName, Stream: c.stream, DLQStream: c.dlqStream, BatchSize: c.pubBatch, MaxBatchBytes: c.pubBytes,
		PollInterval: c.pollInterval, PollMin: c.pollMin, PruneDelay: c.pruneDelay, TombstoneTTL: c.tombstoneTTL, Replicas: c.replicas, Logger: log}
	c.changefeedLimits(&o)
	return o
}

func (c *common) workerOptions(log *slog.Logger) *worker.Options {
	return &worker.Options{Name: c.workerName, DBName: c.dbName, Stream: c.stream, DLQStream: c.dlqStream,
		BatchSize: c.batchSize, StaleVersions: c.staleVersions, StaleAfter: c.staleAfter, TriggerSubject: ops.PollSubject(c.triggerSubj), Logger: log}
}

func runRun(ctx context.Context, args []string) error {
	c := newFlags("run")
	c.tursoFlags()
	c.natsFlags()
	c.cacheFlags()
	c.workerFlags()
	c.changefeedFlags()
	c.serviceFlags()
	c.serveFlags()
	once := c.fs.Bool("once", false, "do one full catch-up (publish the whole change log, apply it) and exit 0")
	demo := c.fs.Bool("demo", false, "when the database has no episodes, seed realistic demo memories first")
	if err := c.parse(args); err != nil {
		return err
	}
	log := c.logger()
	db, err := c.openTurso(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if *demo {
		if err := seedDemo(ctx, db, log); err != nil {
			return err
		}
	}
	n, err := c.connectNATS(log, true)
	if err != nil {
		return err
	}
	defer n.close()
	obs := newObserved()
	cf, err := c.newChangefeed(db, n, obs, log)
	if err != nil {
		return err
	}
	if *once {
		return c.runOnce(ctx, cf, n, db, log)
	}
	rd, err := c.newReads(log, n.url)
	if err != nil {
		return err
	}
	rcfg := c.rebuildConfig(n, db, log)
	obs.workers(&rcfg)
	rd.attach(&rcfg)
	log.Info("memsync running", "turso", db.URL(), "cache", c.cachePath(), "worker", c.workerName)
	g, gctx := errgroup.WithContext(ctx)
	c.goChangefeed(gctx, g, n, cf, log)
	g.Go(func() error { return rebuild.Supervise(gctx, rcfg, obs.started) })
	rd.run(gctx, g)
	g.Go(func() error { return c.serveMetrics(gctx, obs) })
	return g.Wait()
}

// catchUpOnce publishes the whole change log while the worker applies it
// (the two overlap), then drains the worker and reports.
func catchUpOnce(ctx context.Context, cf *changefeed.Changefeed, w *worker.Worker, log *slog.Logger) error {
	start := time.Now()
	published := 0
	done := make(chan struct{})
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(done)
		var err error
		published, err = publishAll(gctx, cf, log)
		return err
	})
	applied := 0
	g.Go(func() error {
		var err error
		applied, err = applyUntil(gctx, w, done)
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	counts, _ := w.Store().Counts()
	st := w.Store().State()
	fmt.Printf("caught up in %s: published %d changes, worker processed %d messages; cache holds %d episodes, %d patterns, %d embeddings (applied version %d)\n",
		time.Since(start).Round(time.Millisecond), published, applied, counts.Episodes, counts.Patterns, counts.Embeddings, st.AppliedVersion)
	return nil
}

func publishAll(ctx context.Context, cf *changefeed.Changefeed, log *slog.Logger) (int, error) {
	p := newProgress("publish", log)
	defer p.done()
	published := 0
	for {
		r, err := cf.PollOnce(ctx)
		if err != nil {
			return published, err
		}
		published += r.Published
		p.update(int(r.Cursor), int(r.Head))
		if r.Changes == 0 {
			return published, nil
		}
	}
}

// applyUntil catches the worker up repeatedly until the publisher is done,
// then once more to drain what it published last.
func applyUntil(ctx context.Context, w *worker.Worker, published <-chan struct{}) (int, error) {
	total := 0
	for {
		finished := false
		select {
		case <-published:
			finished = true
		default:
		}
		n, err := w.CatchUp(ctx)
		total += n
		if errors.Is(err, jetstream.ErrStreamNotFound) && !finished {
			err = nil // the changefeed has not created the stream yet
		}
		if err != nil || finished {
			return total, err
		}
		if n == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

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

func runChangefeed(ctx context.Context, args []string) error {
	c := newFlags("changefeed")
	c.tursoFlags()
	c.natsFlags()
	c.changefeedFlags()
	c.serviceFlags()
	if err := c.parse(args); err != nil {
		return err
	}
	log := c.logger()
	db, err := c.openTursoLazy(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := c.connectNATS(log, false)
	if err != nil {
		return err
	}
	defer n.close()
	obs := newObserved()
	cf, err := c.newChangefeed(db, n, obs, log)
	if err != nil {
		return err
	}
	log.Info("changefeed running", "turso", db.URL(), "stream", c.stream, "db", c.dbName)
	g, gctx := errgroup.WithContext(ctx)
	c.goChangefeed(gctx, g, n, cf, log)
	g.Go(func() error { return c.serveMetrics(gctx, obs) })
	return g.Wait()
}

// newChangefeed builds the changefeed with its metrics registered in obs.
func (c *common) newChangefeed(db *turso.DB, n *natsConn, obs *observed, log *slog.Logger) (*changefeed.Changefeed, error) {
	opts := c.changefeedOptions(log)
	obs.changefeedHooks(&opts)
	cf, err := changefeed.New(db, n.js, &opts)
	if err != nil {
		return nil, &exitError{2, err}
	}
	obs.changefeed(cf)
	return cf, nil
}

// goChangefeed runs the changefeed, its sync.trigger responder and its
// status service in g until ctx is done.
func (c *common) goChangefeed(ctx context.Context, g *errgroup.Group, n *natsConn, cf *changefeed.Changefeed, log *slog.Logger) {
	if svc, err := cf.AddService(); err != nil {
		log.Warn("changefeed status service not registered", "error", err)
	} else {
		n.onClose(func() { _ = svc.Stop() })
	}
	r := ops.NewResponder(n.nc, cf.HandleTrigger, &ops.ResponderOptions{Subject: c.triggerSubj, Name: "changefeed", AcceptPolls: true, Logger: log})
	g.Go(func() error { return cf.Run(ctx) })
	g.Go(func() error { return r.Run(ctx) })
}

func runWorker(ctx context.Context, args []string) error {
	c := newFlags("worker")
	c.tursoFlags()
	c.natsFlags()
	c.cacheFlags()
	c.workerFlags()
	c.serviceFlags()
	c.serveFlags()
	if err := c.parse(args); err != nil {
		return err
	}
	log := c.logger()
	if err := os.MkdirAll(filepath.Dir(c.cachePath()), 0o755); err != nil {
		return err
	}
	n, err := c.connectNATS(log, false)
	if err != nil {
		return err
	}
	defer n.close()
	db := c.optionalTurso(ctx, log)
	if db != nil {
		defer db.Close()
	}
	rd, err := c.newReads(log, "")
	if err != nil {
		return err
	}
	log.Info("worker running", "cache", c.cachePath(), "worker", c.workerName)
	obs := newObserved()
	rcfg := c.rebuildConfig(n, db, log)
	obs.workers(&rcfg)
	rd.attach(&rcfg)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return rebuild.Supervise(gctx, rcfg, obs.started) })
	rd.run(gctx, g)
	g.Go(func() error { return c.serveMetrics(gctx, obs) })
	return g.Wait()
}

// optionalTurso opens Turso for a worker only when one was configured: it
// enables Turso rebuilds; without it the worker rebuilds from the stream.
func (c *common) optionalTurso(ctx context.Context, log *slog.Logger) *turso.DB {
	if c.tursoURL == "" {
		return nil
	}
	db, err := c.openTurso(ctx)
	if err != nil {
		log.Warn("Turso unavailable; rebuilds will use the stream", "error", err)
		return nil
	}
	return db
}

func (c *common) rebuildConfig(n *natsConn, db *turso.DB, log *slog.Logger) rebuild.Config {
	b := c.asideBudget()
	return rebuild.Config{Dir: c.cachePath(), Options: *c.storeOptions(), JS: n.js, DB: db, Worker: *c.workerOptions(log),
		Logger: log, ValidateEvery: c.validateEvery, TriggerSubject: c.triggerSubj, Aside: &b}
}

// runOnce catches the cache up. A cache only a rebuild repairs (a replaced
// or purged stream, another database at the Turso URL, a stuck batch) is
// rebuilt from Turso once the change log is published, then caught up again.
func (c *common) runOnce(ctx context.Context, cf *changefeed.Changefeed, n *natsConn, db *turso.DB, log *slog.Logger) error {
	if err := os.MkdirAll(filepath.Dir(c.cachePath()), 0o755); err != nil {
		return err
	}
	err := c.catchUpCache(ctx, cf, n, log)
	if worker.NeedsRebuild(err) {
		if _, perr := publishAll(ctx, cf, log); perr != nil {
			return perr
		}
		if rerr := rebuild.Repair(ctx, c.rebuildConfig(n, db, log), err); rerr != nil {
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
func (c *common) catchUpCache(ctx context.Context, cf *changefeed.Changefeed, n *natsConn, log *slog.Logger) error {
	store, err := c.openCache()
	if errors.Is(err, cachestore.ErrConfigChanged) || errors.Is(err, cachestore.ErrCorrupt) {
		// A fresh cache built from the stream replaces it (the old one is kept aside).
		aside, merr := rebuild.MoveAsideWithin(c.cachePath(), "run-once", c.asideBudget())
		if merr != nil {
			return merr
		}
		log.Warn("cache cannot be used as it is; building a fresh one", "error", err, "old_cache_kept_at", aside)
		store, err = c.openCache()
	}
	if err != nil {
		return err
	}
	defer store.Close()
	w, err := worker.New(store, n.js, c.workerOptions(log))
	if err != nil {
		return &exitError{2, err}
	}
	return catchUpOnce(ctx, cf, w, log)
}

// printNext names the commands a newcomer tries after the first sync.
func (c *common) printNext() {
	dd := ""
	if c.dataDir != "./memsync-data" {
		dd = " --data-dir " + c.dataDir
	}
	fmt.Printf("next (the binary: go build -o memsync ./cmd/memsync):\n"+
		"  memsync recent%[1]s                                   # the most recent cached episodes\n"+
		"  memsync search%[1]s \"flaky integration tests\" --explain  # hybrid search with each score component\n"+
		"  memsync run%[1]s                                      # keep following Turso and serve agents (memsync mcp)\n", dd)
}
