package main

import (
	"context"
	"fmt"
	"time"

	"github.com/memsync/memsync/internal/seed"
)

func runSeed(ctx context.Context, args []string) error {
	c := newFlags("seed")
	c.tursoFlags()
	episodes := c.fs.Int("episodes", 1000, "episodes to write")
	patterns := c.fs.Int("patterns", 50, "patterns to write")
	dim := c.fs.Int("embedding-dim", 384, "embedding dimension (0 = no embeddings); 384 also fills the F32_BLOB column")
	seedV := c.fs.Uint64("seed", 1, "random seed (same seed, same memories)")
	if err := c.parse(args); err != nil {
		return err
	}
	if *episodes < 0 || *patterns < 0 || *dim < 0 {
		return &exitError{2, fmt.Errorf("--episodes, --patterns and --embedding-dim must be >= 0")}
	}
	log := c.logger()
	db, err := c.openTurso(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateTables(ctx); err != nil {
		return err
	}
	start := time.Now()
	p := newProgress("seed", log)
	err = seed.Seed(ctx, db.SQL(), seed.Options{Episodes: *episodes, Patterns: *patterns, EmbeddingDim: *dim, Seed: *seedV,
		Progress: func(done int) { p.update(done, *episodes) }})
	p.done()
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d episodes, %d patterns (embedding dim %d) into %s in %s\n", *episodes, *patterns, *dim, db.URL(), time.Since(start).Round(time.Millisecond))
	return nil
}
