package supervisor

import "time"

// At most maxRebuilds automatic rebuilds in any rebuildWindow: a cache that
// keeps breaking needs an operator, not an endless rebuild loop.
const (
	maxRebuilds   = 3
	rebuildWindow = 10 * time.Minute
)

// rebuildLimit remembers the automatic rebuilds of the last rebuildWindow.
type rebuildLimit struct {
	now    func() time.Time
	recent []time.Time // oldest first
}

// allow reports whether one more automatic rebuild may start now, and
// counts it when it may.
func (l *rebuildLimit) allow() bool {
	now := l.now()
	l.recent = within(l.recent, now)
	if len(l.recent) >= maxRebuilds {
		return false
	}
	l.recent = append(l.recent, now)
	return true
}

// within keeps the times less than rebuildWindow before now.
func within(ts []time.Time, now time.Time) []time.Time {
	out := ts[:0]
	for _, t := range ts {
		if now.Sub(t) < rebuildWindow {
			out = append(out, t)
		}
	}
	return out
}
