package changefeed

import (
	"log/slog"
	"time"

	"github.com/memsync/memsync/internal/turso"
)

// gapDetector guards the cursor against change_ids that become visible out
// of order. libSQL has a single writer, so AUTOINCREMENT order is commit order
// and gaps do not occur today; should an engine with concurrent writers ever
// commit id N+1 before N, publishing N+1 and moving the cursor past N would
// lose N for good (the Kafka Connect JDBC failure). A gap therefore stops the
// batch just before it until it has been seen for the grace window.
type gapDetector struct {
	grace time.Duration
	// seen holds the gap the last cut stopped at (first missing id -> when
	// first seen): at most one entry.
	seen map[uint64]time.Time
	log  *slog.Logger
}

func newGapDetector(grace time.Duration, log *slog.Logger) *gapDetector {
	return &gapDetector{grace: grace, seen: map[uint64]time.Time{}, log: log}
}

// cut returns the prefix of ch that can be published now.
//
// INVARIANT 1.4 (bounded state): after a cut the detector remembers only the
// gap it stops at, so gaps that filled, expired or fell below the cursor
// are forgotten and its memory does not grow with their number.
func (g *gapDetector) cut(cursor uint64, ch []turso.Change, now time.Time) []turso.Change {
	expect := cursor + 1
	for i, c := range ch {
		if c.ID != expect && !g.expired(expect, c.ID, now) {
			g.keepOnly(expect)
			return ch[:i]
		}
		expect = c.ID + 1
	}
	g.keepOnly(0) // no gap is held
	return ch
}

func (g *gapDetector) expired(from, to uint64, now time.Time) bool {
	first, ok := g.seen[from]
	if !ok {
		g.seen[from] = now
		g.log.Info("change_id gap; waiting for it to fill", "from", from, "to", to-1, "grace", g.grace)
		first = now
	}
	if now.Sub(first) < g.grace {
		return false
	}
	delete(g.seen, from)
	g.log.Warn("change_id gap did not fill within the grace window; skipping", "from", from, "to", to-1)
	return true
}

// keepOnly forgets every gap but the one starting at from (0: all).
func (g *gapDetector) keepOnly(from uint64) {
	for k := range g.seen {
		if k != from {
			delete(g.seen, k)
		}
	}
}
