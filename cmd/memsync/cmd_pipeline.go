package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/worker"
)

func (c *common) changefeedOptions(log *slog.Logger) changefeed.Options {
	return changefeed.Options{DBName: c.dbName, Stream: c.stream, DLQStream: c.dlqStream, BatchSize: c.pubBatch,
		PollInterval: c.pollInterval, PruneDelay: c.pruneDelay, Logger: log}
}

func (c *common) workerOptions(log *slog.Logger) worker.Options {
	return worker.Options{Name: c.workerName, DBName: c.dbName, Stream: c.stream, DLQStream: c.dlqStream,
		BatchSize: c.batchSize, Logger: log}
}

func runRun(ctx context.Context, args []string) error {
	c := newFlags("run")
	c.tursoFlags()
	c.natsFlags()
	c.cacheFlags()
	c.workerFlags()
	c.changefeedFlags()
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
	store, err := c.openCache()
	if err != nil {
		return err
	}
	defer store.Close()
	cf, err := changefeed.New(db, n.js, changefeed.WithOptions(c.changefeedOptions(log)))
	if err != nil {
		return &exitError{2, err}
	}
	w, err := worker.New(store, n.js, worker.WithOptions(c.workerOptions(log)))
	if err != nil {
		return &exitError{2, err}
	}
	if *once {
		return catchUpOnce(ctx, db, cf, w, log)
	}
	log.Info("memsync running", "turso", db.URL(), "cache", store.Dir(), "worker", c.workerName)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return cf.Run(gctx) })
	g.Go(func() error { return w.Run(gctx) })
	return g.Wait()
}

// catchUpOnce publishes the whole change log, applies it and reports.
func catchUpOnce(ctx context.Context, db *turso.DB, cf *changefeed.Changefeed, w *worker.Worker, log *slog.Logger) error {
	start := time.Now()
	p := newProgress("publish", log)
	published := 0
	for {
		r, err := cf.PollOnce(ctx)
		if err != nil {
			return err
		}
		published += r.Published
		p.update(int(r.Cursor), int(r.Head))
		if r.Changes == 0 {
			break
		}
	}
	p.done()
	applied, err := w.CatchUp(ctx)
	if err != nil {
		return err
	}
	counts, _ := w.Store().Counts()
	st := w.Store().State()
	fmt.Printf("caught up in %s: published %d changes, worker processed %d messages; cache holds %d episodes, %d patterns, %d embeddings (applied version %d)\n",
		time.Since(start).Round(time.Millisecond), published, applied, counts.Episodes, counts.Patterns, counts.Embeddings, st.AppliedVersion)
	return nil
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
	if err := c.parse(args); err != nil {
		return err
	}
	log := c.logger()
	db, err := c.openTurso(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := c.connectNATS(log, false)
	if err != nil {
		return err
	}
	defer n.close()
	cf, err := changefeed.New(db, n.js, changefeed.WithOptions(c.changefeedOptions(log)))
	if err != nil {
		return &exitError{2, err}
	}
	log.Info("changefeed running", "turso", db.URL(), "stream", c.stream, "db", c.dbName)
	return cf.Run(ctx)
}

func runWorker(ctx context.Context, args []string) error {
	c := newFlags("worker")
	c.natsFlags()
	c.cacheFlags()
	c.workerFlags()
	if err := c.parse(args); err != nil {
		return err
	}
	log := c.logger()
	store, err := c.openCache()
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := c.connectNATS(log, false)
	if err != nil {
		return err
	}
	defer n.close()
	w, err := worker.New(store, n.js, worker.WithOptions(c.workerOptions(log)))
	if err != nil {
		return &exitError{2, err}
	}
	log.Info("worker running", "cache", store.Dir(), "worker", c.workerName)
	return w.Run(ctx)
}
