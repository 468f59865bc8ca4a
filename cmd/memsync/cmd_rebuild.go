package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/rebuild"
)

// rebuildArgs is the command line of rebuild.
type rebuildArgs struct {
	*workerHost
	from string // turso or stream
}

func parseRebuild(args []string) (*rebuildArgs, error) {
	a := &rebuildArgs{workerHost: newWorkerHost("rebuild")}
	a.fs.StringVar(&a.from, "from", "turso", "rebuild source: turso (a consistent snapshot) or stream (the compacted stream)")
	if err := a.parse(args); err != nil {
		return a, err
	}
	if a.from != "turso" && a.from != "stream" {
		return a, usageError(fmt.Errorf("--from %q: want turso or stream", a.from))
	}
	return a, nil
}

// runRebuild rebuilds the cache from --from and swaps it in, keeping the
// old one aside.
func runRebuild(ctx context.Context, args []string) error {
	a, err := parseRebuild(args)
	if err != nil {
		return err
	}
	log := a.logger()
	a.memory.apply(log)
	// Hold the live cache's lock while building, so a running worker is
	// refused instead of having its directory swapped under it.
	live, err := a.cache.open()
	if errors.Is(err, cachestore.ErrLocked) {
		return usageError(fmt.Errorf("%w; stop the worker first", err))
	}
	if err != nil && !errors.Is(err, cachestore.ErrCorrupt) && !errors.Is(err, cachestore.ErrConfigChanged) {
		return err
	}
	n, err := a.nats.connect(log, true)
	if err != nil {
		return err
	}
	defer n.close()
	cfg := a.rebuildConfig(n, nil, log)
	if a.from == "turso" {
		db, err := a.turso.open(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		cfg.DB = db
	}
	p := newProgress("rebuild", log)
	cfg.Progress = p.update
	res, err := a.buildWhileHolding(ctx, cfg, a.from, live)
	p.done()
	if err != nil {
		return err
	}
	fmt.Printf("rebuilt %s from %s: %d entities, position %d; old cache kept at %s\n", cfg.Dir, res.Source, res.Entities, res.Position, noneIfEmpty(res.Aside))
	return nil
}

func (c *workerHost) buildWhileHolding(ctx context.Context, cfg rebuild.Config, from string, live *cachestore.Store) (rebuild.Result, error) {
	if live != nil {
		defer live.Close()
	}
	return rebuild.RunHolding(ctx, cfg, from, "manual", func() {
		if live != nil {
			live.Close()
		}
	})
}

// noneIfEmpty shows an empty path as "(none)".
func noneIfEmpty(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
