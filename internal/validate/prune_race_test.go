package validate

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// TestPruneBetweenReadsKeepsLaggingStale: a cache that lags behind the
// change log (real libSQL file, real Pebble cache loaded at an older head)
// while the changefeed prunes the log between validation's reads of the
// entities' versions and of whether the log still covers the unapplied
// changes. The prune deletes the lagging entity's unapplied change, so its
// version reads 0 if read after it: judged with a "covered" read before the
// prune, the lagging entity would be diverged (invariant 6.1). The hook
// prunes at exactly that point; every difference must stay stale.
func TestPruneBetweenReadsKeepsLaggingStale(t *testing.T) {
	cases := []struct {
		name   string
		change func(ctx context.Context, db *sql.DB, id string) error
	}{
		{"episode updated after the cache's checkpoint", func(ctx context.Context, db *sql.DB, id string) error {
			_, err := db.ExecContext(ctx, `UPDATE episodes SET outcome = ? WHERE episode_id = ?`, `{"type":"failure"}`, id)
			return err
		}},
		{"episode deleted after the cache's checkpoint", func(ctx context.Context, db *sql.DB, id string) error {
			return seed.Delete(ctx, db, "episodes", id)
		}},
		{"episode inserted after the cache's checkpoint", func(ctx context.Context, db *sql.DB, _ string) error {
			return seed.PutEpisode(ctx, db, seed.NewGenerator(99, 0).Episode(1000, nil))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			db, _ := testenv.Turso(t)
			if err := seed.Seed(ctx, db.SQL(), seed.Options{Episodes: 4, Patterns: 1, EmbeddingDim: 4, Seed: 3}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Install(ctx); err != nil {
				t.Fatal(err)
			}
			store := loadAtHead(t, db)
			applied := store.State().AppliedVersion
			if r, err := Run(ctx, db, store, nil); err != nil || !r.Consistent {
				t.Fatalf("the cache as loaded: %+v, %v", r, err)
			}
			ids, err := db.RecentEpisodeIDs(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.change(ctx, db.SQL(), ids[0]); err != nil {
				t.Fatal(err)
			}
			head, err := db.Head(ctx)
			if err != nil || head <= applied {
				t.Fatalf("head %d, applied %d (%v): the cache must lag", head, applied, err)
			}
			var pruned int64
			opts := &Options{betweenReads: func(ctx context.Context) error {
				pruned, err = db.Prune(ctx, head) // the changefeed's prune, racing the validation
				return err
			}}
			r, err := Run(ctx, db, store, opts)
			if err != nil {
				t.Fatal(err)
			}
			if pruned == 0 {
				t.Fatal("the hook pruned nothing: the race was not staged")
			}
			if r.Diverged != 0 || r.Stale == 0 {
				t.Fatalf("a cache lagging behind a log pruned mid-validation: %d stale, %d diverged, want only stale: %v",
					r.Stale, r.Diverged, r.Examples)
			}
		})
	}
}

// loadAtHead builds a cache of every row of db stamped with the change-log
// head (an unbounded window), as a Turso rebuild does: consistent as of now.
func loadAtHead(t *testing.T, db *turso.DB) *cachestore.Store {
	t.Helper()
	store, err := cachestore.Open(filepath.Join(t.TempDir(), "cache"), &cachestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	head, err := db.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	l := store.NewLoader(head)
	err = db.Snapshot(t.Context(), func(tx *sql.Tx) error {
		for _, e := range protocol.Entities {
			err := turso.ScanAllRows(t.Context(), tx, e, func(r turso.Row) error {
				it := cachestore.Loaded{Entity: r.Entity, ID: r.ID, Data: r.Data, Owner: r.Owner, OwnerID: r.OwnerID}
				if r.Entity == protocol.EntityEpisode {
					ep, err := protocol.DecodeEpisode(r.Data)
					if err != nil {
						return err
					}
					it.StartTime, it.InWindow = ep.StartTime, true
				}
				return l.Add(it)
			})
			if err != nil {
				return fmt.Errorf("load %ss: %w", e, err)
			}
		}
		return nil
	})
	if err == nil {
		err = l.Finish(cachestore.Origin{Position: 1})
	}
	if err != nil {
		t.Fatal(err)
	}
	return store
}
