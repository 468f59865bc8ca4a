package main

import (
	"context"
	"fmt"
	"time"

	"github.com/memsync/memsync/internal/seed"
)

// seedArgs is the command line of seed.
type seedArgs struct {
	*commandLine
	turso tursoFlags
	opts  seed.Options
}

func parseSeed(args []string) (*seedArgs, error) {
	a := &seedArgs{commandLine: newCommandLine("seed")}
	a.use(&a.turso)
	a.fs.IntVar(&a.opts.Episodes, "episodes", 1000, "episodes to write")
	a.fs.IntVar(&a.opts.Patterns, "patterns", 50, "patterns to write")
	a.fs.IntVar(&a.opts.EmbeddingDim, "embedding-dim", 384, "embedding dimension (0 = no embeddings); 384 also fills the F32_BLOB column")
	a.fs.Uint64Var(&a.opts.Seed, "seed", 1, "random seed (same seed, same memories)")
	if err := a.parse(args); err != nil {
		return a, err
	}
	if a.opts.Episodes < 0 || a.opts.Patterns < 0 || a.opts.EmbeddingDim < 0 {
		return a, usageError(fmt.Errorf("--episodes, --patterns and --embedding-dim must be >= 0"))
	}
	return a, nil
}

// runSeed writes deterministic demo memories into Turso.
func runSeed(ctx context.Context, args []string) error {
	a, err := parseSeed(args)
	if err != nil {
		return err
	}
	log := a.logger()
	db, err := a.turso.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateTables(ctx); err != nil {
		return err
	}
	start := time.Now()
	p := newProgress("seed", log)
	opts := a.opts
	opts.Progress = func(done int) { p.update(done, opts.Episodes) }
	err = seed.Seed(ctx, db.SQL(), opts)
	p.done()
	if err != nil {
		return err
	}
	fmt.Printf("seeded %d episodes, %d patterns (embedding dim %d) into %s in %s\n", opts.Episodes, opts.Patterns, opts.EmbeddingDim, db.URL(), time.Since(start).Round(time.Millisecond))
	return nil
}
