package integration

import (
	"context"
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/worker"
)

// A database that the Rust layout already filled is attached: every row is
// captured by the bootstrap and reaches the cache.
func TestAttachExistingDatabase(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := seed.Seed(ctx, e.db.SQL(), seed.Options{Episodes: 300, Patterns: 20, EmbeddingDim: 384, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	e.publishNew(changefeed.Options{})
	r := e.mustConsistent(e.caughtUp("", cachestore.Options{MaxEpisodes: 100}, worker.Options{}))
	if r.Episodes.Cache != 100 || r.Patterns.Cache != 20 || r.Embeddings.Cache != 120 {
		t.Fatalf("counts: %+v %+v %+v", r.Episodes, r.Patterns, r.Embeddings)
	}
	if r.Episodes.Turso != 300 || r.AppliedVersion != r.TursoHeadVersion {
		t.Fatalf("report: %+v", r)
	}
}
