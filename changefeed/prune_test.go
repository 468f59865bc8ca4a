package changefeed

import (
	"testing"
	"time"

	"github.com/memsync/memsync/internal/turso"
)

// A backlog of published change-log rows is pruned one chunk per step,
// and the next step goes on with it without waiting for pruneEvery: the
// changefeed's loop is never held for the whole backlog (the scale run's
// 2M rows held it for a minute).
func TestPruneBacklogIsPrunedAChunkAStep(t *testing.T) {
	const rows = 2*turso.PruneChunkRows + 500
	c, db, _ := gapFeed(t, rows, Options{PruneDelay: time.Millisecond})
	for {
		r, err := c.PollOnce(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if r.Changes == 0 {
			break
		}
	}
	if c.Cursor() != rows {
		t.Fatalf("cursor %d, want %d", c.Cursor(), rows)
	}
	time.Sleep(5 * time.Millisecond) // past the prune delay
	left := func() int {
		var n int
		if err := db.SQL().QueryRowContext(t.Context(), `SELECT COUNT(*) FROM memsync_changelog`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i, want := range []struct {
		left    int
		backlog bool
	}{
		{rows - turso.PruneChunkRows, true},
		{rows - 2*turso.PruneChunkRows, true},
		{0, false},
	} {
		c.maybePrune(t.Context())
		if got := left(); got != want.left || c.prune.backlog != want.backlog {
			t.Fatalf("after call %d: %d rows left (backlog %v), want %d (backlog %v)", i+1, got, c.prune.backlog, want.left, want.backlog)
		}
	}
	if c.Stats().Pruned != rows {
		t.Fatalf("pruned %d, want %d", c.Stats().Pruned, rows)
	}
}
