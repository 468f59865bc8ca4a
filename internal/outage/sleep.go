package outage

import (
	"context"
	"time"
)

// Sleep waits d or until ctx is done; it reports whether the full wait
// passed (false: the caller should stop).
func Sleep(ctx context.Context, d time.Duration) bool { return SleepOrPoke(ctx, d, nil) }

// SleepOrPoke waits d, until poke receives (a nil poke never does) or until
// ctx is done; it reports false only when ctx ended the wait.
func SleepOrPoke(ctx context.Context, d time.Duration, poke <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-poke:
	}
	return true
}
