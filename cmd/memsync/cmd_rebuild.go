package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/rebuild"
)

func runRebuild(ctx context.Context, args []string) error {
	c := newFlags("rebuild")
	c.tursoFlags()
	c.natsFlags()
	c.cacheFlags()
	c.workerFlags()
	from := c.fs.String("from", "turso", "rebuild source: turso (a consistent snapshot) or stream (the compacted stream)")
	if err := c.parse(args); err != nil {
		return err
	}
	if *from != "turso" && *from != "stream" {
		return &exitError{2, fmt.Errorf("--from %q: want turso or stream", *from)}
	}
	log := c.logger()
	// Hold the live cache's lock while building, so a running worker is
	// refused instead of having its directory swapped under it.
	live, err := c.openCache()
	if errors.Is(err, cachestore.ErrLocked) {
		return &exitError{2, fmt.Errorf("%w; stop the worker first", err)}
	}
	if err != nil && !errors.Is(err, cachestore.ErrCorrupt) && !errors.Is(err, cachestore.ErrConfigChanged) {
		return err
	}
	n, err := c.connectNATS(log, true)
	if err != nil {
		return err
	}
	defer n.close()
	cfg := c.rebuildConfig(n, nil, log)
	if *from == "turso" {
		db, err := c.openTurso(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		cfg.DB = db
	}
	p := newProgress("rebuild", log)
	cfg.Progress = p.update
	res, err := c.buildWhileHolding(ctx, cfg, *from, live)
	p.done()
	if err != nil {
		return err
	}
	fmt.Printf("rebuilt %s from %s: %d entities, position %d; old cache kept at %s\n", cfg.Dir, res.Source, res.Entities, res.Position, orNone(res.Aside))
	return nil
}

func (c *common) buildWhileHolding(ctx context.Context, cfg rebuild.Config, from string, live *cachestore.Store) (rebuild.Result, error) {
	if live != nil {
		defer live.Close()
	}
	return rebuild.RunHolding(ctx, cfg, from, "manual", func() {
		if live != nil {
			live.Close()
		}
	})
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
