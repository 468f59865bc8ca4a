package changefeed

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/seed"
)

// Issue 10 item 2: the poll loop is fast after activity and backs off when
// idle. On a fake clock (each wait advances it): the wait after a poll
// that published is the minimum, idle waits grow and stay within the
// bounds, a new change brings the minimum back, and the polls of an idle
// span stay about span/max plus a ramp that grows with log(max/min).
func TestPollLoopAdaptsToActivity(t *testing.T) {
	cases := []struct {
		name     string
		o        Options
		min, max time.Duration
		span     time.Duration // fake time idle before and after the write
	}{
		{"local file defaults", Options{}, DefaultLocalPollMin, DefaultLocalPollInterval, 5 * time.Second},
		{"remote defaults, set explicitly", Options{PollMin: DefaultRemotePollMin, PollInterval: DefaultRemotePollInterval},
			DefaultRemotePollMin, DefaultRemotePollInterval, 2 * time.Minute},
		{"only PollInterval: fixed", Options{PollInterval: 200 * time.Millisecond}, 200 * time.Millisecond, 200 * time.Millisecond, 10 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, db, _ := gapFeed(t, 12, tc.o)
			fc := &fakeClock{t: time.Unix(1e6, 0)}
			start := fc.t
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var waits []time.Duration
			var wroteAt int // index in waits of the first wait after the write
			c.now = fc.now
			c.wait = func(ctx context.Context, d time.Duration, poke <-chan struct{}) bool {
				waits = append(waits, d)
				now, _, _ := fc.snapshot()
				switch {
				case wroteAt == 0 && now.Sub(start) >= tc.span:
					g := seed.NewGenerator(5, 4)
					if err := seed.PutEpisode(ctx, db.SQL(), g.Episode(0, nil)); err != nil {
						t.Error(err)
						cancel()
					}
					wroteAt = len(waits) + 1 // the next wait follows the poll that finds it
				case now.Sub(start) >= 2*tc.span:
					cancel()
				}
				return fc.wait(ctx, d, poke)
			}
			if err := c.Run(ctx); err != nil {
				t.Fatal(err)
			}
			if c.Cursor() != 13 {
				t.Fatalf("cursor %d, want 13 (12 bootstrap changes and the write)", c.Cursor())
			}
			checkIdleWaits(t, "after the bootstrap publish", waits[:wroteAt-1], tc.min, tc.max, tc.span)
			checkIdleWaits(t, "after the write", waits[wroteAt-1:], tc.min, tc.max, tc.span)
		})
	}
}

// checkIdleWaits checks the waits after a poll that published: the first
// is min, then they never shrink, stay within [min, max], reach max, and
// are at most span/max plus the ramp (idleRatio per doubling) in number.
func checkIdleWaits(t *testing.T, what string, waits []time.Duration, min, max, span time.Duration) {
	t.Helper()
	if len(waits) == 0 || waits[0] != min {
		t.Fatalf("%s: first wait %v, want %v (waits %v...)", what, first(waits), min, head(waits))
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] || waits[i] < min || waits[i] > max {
			t.Fatalf("%s: wait %d is %v after %v, want non-decreasing within [%v, %v]", what, i, waits[i], waits[i-1], min, max)
		}
	}
	if last := waits[len(waits)-1]; last != max {
		t.Fatalf("%s: the idle wait reached %v, want %v", what, last, max)
	}
	ramp := float64(idleRatio) * (2 + math.Log(float64(max)/float64(min)))
	if limit := int(float64(span)/float64(max) + ramp); len(waits) > limit {
		t.Fatalf("%s: %d polls in %v idle, want at most %d", what, len(waits), span, limit)
	}
	t.Logf("%s: %d polls in about %v of idle time, waits %v ... %v", what, len(waits), span, waits[0], waits[len(waits)-1])
}

func first(ws []time.Duration) time.Duration {
	if len(ws) == 0 {
		return 0
	}
	return ws[0]
}

func head(ws []time.Duration) []time.Duration { return ws[:min(len(ws), 5)] }
