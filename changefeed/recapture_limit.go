package changefeed

import (
	"fmt"
	"sync"
	"time"
)

// recaptureLimit allows one full re-capture per period (issue 9, item 5):
// a full re-capture re-publishes every row of the database, so a trigger
// repeated by mistake or by a misbehaving client must not turn it into a
// continuous load on Turso, the stream and every worker.
type recaptureLimit struct {
	mu    sync.Mutex
	every time.Duration // < 0: no limit
	last  time.Time     // start of the last re-capture that did not fail
}

// FullRefused is the result of a full trigger refused by the rate limit
// (recaptured_rows as in an accepted one, plus when the next is allowed).
type FullRefused struct {
	RecapturedRows int64     `json:"recaptured_rows"`
	NextFullAt     time.Time `json:"next_full_at"`
	RetryAfterS    int64     `json:"retry_after_s"`
}

// reserve takes the slot at now, or refuses with ErrRateLimited and the
// time the next re-capture is allowed; undo gives the slot back.
//
// INVARIANT 10 (trigger rate limit): at most one full re-capture starts per
// FullRecaptureEvery; a failed one is not counted.
func (l *recaptureLimit) reserve(now time.Time) (undo func(), refused *FullRefused, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.every >= 0 && !l.last.IsZero() {
		if next := l.last.Add(l.every); now.Before(next) {
			wait := next.Sub(now)
			return nil, &FullRefused{NextFullAt: next, RetryAfterS: int64((wait + time.Second - 1) / time.Second)},
				fmt.Errorf("%w: at most one every %v; the next is allowed at %s (in %v)",
					ErrRateLimited, l.every, next.UTC().Format(time.RFC3339), wait.Round(time.Second))
		}
	}
	prev := l.last
	l.last = now
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.last.Equal(now) {
			l.last = prev
		}
	}, nil, nil
}
