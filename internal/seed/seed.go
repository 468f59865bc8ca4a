package seed

import (
	"context"
	"database/sql"
	"fmt"
)

// Options say how much to write.
type Options struct {
	Episodes     int
	Patterns     int
	EmbeddingDim int // 0: no embeddings
	Seed         uint64
	// Progress, when set, is called after every committed chunk with the
	// number of episodes written so far.
	Progress func(done int)
}

// Seed writes realistic memories: patterns (each with an embedding), then
// episodes (each with an embedding), in transactions of 500 episodes.
func Seed(ctx context.Context, db *sql.DB, o Options) error {
	g := NewGenerator(o.Seed, o.EmbeddingDim)
	patIDs, err := seedPatterns(ctx, db, g, o)
	if err != nil {
		return err
	}
	for start := 0; start < o.Episodes; start += 500 {
		n := min(500, o.Episodes-start)
		if err := inTx(ctx, db, func(tx *sql.Tx) error { return seedEpisodes(ctx, tx, g, o, start, n, patIDs) }); err != nil {
			return err
		}
		if o.Progress != nil {
			o.Progress(start + n)
		}
	}
	return nil
}

func seedPatterns(ctx context.Context, db *sql.DB, g *Generator, o Options) ([]string, error) {
	var ids []string
	err := inTx(ctx, db, func(tx *sql.Tx) error {
		for range o.Patterns {
			p := g.Pattern()
			ids = append(ids, p.ID)
			if err := PutPattern(ctx, tx, p); err != nil {
				return err
			}
			if err := maybeEmbed(ctx, tx, g, o, "pattern", p.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return ids, err
}

func seedEpisodes(ctx context.Context, tx *sql.Tx, g *Generator, o Options, start, n int, patIDs []string) error {
	for i := start; i < start+n; i++ {
		e := g.Episode(i, patIDs)
		if err := PutEpisode(ctx, tx, e); err != nil {
			return err
		}
		if err := maybeEmbed(ctx, tx, g, o, "episode", e.ID); err != nil {
			return err
		}
	}
	return nil
}

func maybeEmbed(ctx context.Context, tx *sql.Tx, g *Generator, o Options, kind, id string) error {
	if o.EmbeddingDim <= 0 {
		return nil
	}
	return PutEmbedding(ctx, tx, g.Embedding(kind, id))
}

func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
