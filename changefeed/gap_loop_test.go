package changefeed

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
)

// fakeClock drives the poll loop: wait advances the time by the duration
// asked for instead of sleeping; now counts the change-log reads (read is
// its only caller).
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	reads  int
	sleeps int
	// stop ends the run: checked on every read and every wait.
	stop func(reads int) bool
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.t
}

func (f *fakeClock) wait(ctx context.Context, d time.Duration, _ <-chan struct{}) bool {
	f.mu.Lock()
	f.sleeps++
	f.t = f.t.Add(d)
	f.mu.Unlock()
	return ctx.Err() == nil
}

func (f *fakeClock) snapshot() (time.Time, int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t, f.reads, f.sleeps
}

// gapFeed is a changefeed over a real libSQL file holding episodes whose
// bootstrap capture is change_ids 1..n, installed and with its streams
// ready, on a real nats-server; missing are change_ids deleted from the log,
// returned with the (entity, entity_id) they held.
func gapFeed(t *testing.T, n int, o Options, missing ...int) (*Changefeed, *turso.DB, map[uint64][2]string) {
	t.Helper()
	db, _ := testenv.Turso(t)
	if err := seed.Seed(t.Context(), db.SQL(), seed.Options{Episodes: n, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	nats := testenv.StartNATS(t)
	_, js := nats.Connect(t)
	o.Logger = slog.New(slog.DiscardHandler)
	c, err := New(db, js, &o)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ensureReady(t.Context()); err != nil {
		t.Fatal(err)
	}
	if head, _ := db.Head(t.Context()); head != uint64(n) {
		t.Fatalf("bootstrap captured change_ids up to %d, want %d", head, n)
	}
	removed := map[uint64][2]string{}
	for _, id := range missing {
		var row [2]string
		if err := db.SQL().QueryRowContext(t.Context(), `SELECT entity, entity_id FROM memsync_changelog WHERE change_id = ?`, id).Scan(&row[0], &row[1]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(t.Context(), `DELETE FROM memsync_changelog WHERE change_id = ?`, id); err != nil {
			t.Fatal(err)
		}
		removed[uint64(id)] = row
	}
	return c, db, removed
}

// Issue 9 item 7: while a change_id gap is held, Run sleeps the poll
// interval between polls; it never re-polls at once for the whole grace
// window. Time is a fake clock: each wait advances it, so a loop that never
// waits never reaches the end of the grace window (it is stopped after
// maxReads reads and reported).
func TestHeldGapSleepsThePollInterval(t *testing.T) {
	const (
		grace    = 2 * time.Second
		interval = 200 * time.Millisecond
		maxReads = 1000
	)
	cases := []struct {
		name    string
		missing int // change_id deleted from the log (of 1..12)
	}{
		{"gap at the start of a full read", 1},
		{"gap inside a full read", 5},
		{"gap after a full read", 7},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := gapFeed(t, 12, Options{BatchSize: 3, GapGrace: grace, PollInterval: interval}, tc.missing)
			fc := &fakeClock{t: time.Unix(1e6, 0)}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			c.now = func() time.Time {
				if _, reads, _ := fc.snapshot(); reads >= maxReads || c.Cursor() == 12 {
					cancel()
				}
				return fc.now()
			}
			c.wait = func(ctx context.Context, d time.Duration, poke <-chan struct{}) bool {
				if c.Cursor() == 12 {
					cancel()
				}
				return fc.wait(ctx, d, poke)
			}
			start := fc.t
			if err := c.Run(ctx); err != nil {
				t.Fatal(err)
			}
			end, reads, sleeps := fc.snapshot()
			if c.Cursor() != 12 {
				t.Fatalf("%d change-log reads and %d sleeps in %v of fake time, cursor %d: Run re-polls without sleeping while the gap is held",
					reads, sleeps, end.Sub(start), c.Cursor())
			}
			t.Logf("%d change-log reads, %d sleeps, %v of fake time to get past the gap", reads, sleeps, end.Sub(start))
			// Reads: a few before and after the hold, one per poll interval
			// during it.
			if limit := int(grace/interval) + 8; reads > limit {
				t.Fatalf("%d change-log reads to get past a %v gap polled every %v, want at most %d", reads, grace, interval, limit)
			}
			if end.Sub(start) < grace {
				t.Fatalf("the gap was passed after %v, before its grace window %v", end.Sub(start), grace)
			}
			if len(c.gaps.seen) != 0 {
				t.Fatalf("gaps still remembered after the cursor passed them: %v", c.gaps.seen)
			}
		})
	}
}

// Issue 9 item 7: the gap detector's state stays bounded: a gap that fills
// within the grace window is forgotten once it passes, so a stream of gaps
// that fill leaves at most the one held now behind.
func TestFilledGapsAreForgotten(t *testing.T) {
	gaps := []uint64{2, 6, 10, 14, 18, 22, 26, 30, 34, 38}
	missing := make([]int, len(gaps))
	for i, g := range gaps {
		missing[i] = int(g)
	}
	c, db, removed := gapFeed(t, 40, Options{GapGrace: time.Hour}, missing...)
	ctx := t.Context()
	refill := func(g uint64) {
		t.Helper()
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO memsync_changelog(change_id, entity, entity_id, op) VALUES (?, ?, ?, 'upsert')`,
			g, removed[g][0], removed[g][1]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PollOnce(ctx); err != nil {
		t.Fatal(err)
	}
	for _, g := range gaps {
		if c.Cursor() != g-1 || len(c.gaps.seen) != 1 {
			t.Fatalf("gap at %d: cursor %d, gaps remembered %v; want the cursor held at %d and only that gap remembered",
				g, c.Cursor(), c.gaps.seen, g-1)
		}
		refill(g)
		if _, err := c.PollOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if c.Cursor() != 40 || len(c.gaps.seen) != 0 {
		t.Fatalf("every gap filled: cursor %d, gaps remembered %v; want 40 and none", c.Cursor(), c.gaps.seen)
	}
}
