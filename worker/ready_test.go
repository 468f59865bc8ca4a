package worker

import (
	"context"
	"testing"
	"time"
)

// A worker whose consumer has nothing pending after it binds is caught up
// (ready) at once, not after a fetch that waits FetchWait for nothing: with
// a one-hour fetch wait the old start stayed "catching up" for the hour.
// One with messages pending is never caught up before it applied them.
func TestCaughtUpAtBindWhenNothingIsPending(t *testing.T) {
	for _, pending := range []int{0, 3} {
		r := newRig(t, Options{FetchWait: time.Hour}, nil)
		for i := range pending {
			r.publish(episode("default", lin, string(rune('a'+i)), uint64(i+1)))
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- r.w.Run(ctx) }()
		reached := false
		for deadline := time.Now().Add(20 * time.Second); !reached && time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			applied := r.w.Stats().Applied // read before CaughtUp: Apply comes first
			caught := r.w.Health().CaughtUp
			if caught && applied < uint64(pending) {
				t.Fatalf("pending %d: caught up with %d applied", pending, applied)
			}
			reached = (pending == 0 && caught) || (pending > 0 && applied == uint64(pending))
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("pending %d: Run: %v", pending, err)
		}
		if !reached {
			t.Fatalf("pending %d: not caught up (or not applied) after 20 s while the first fetch waits", pending)
		}
	}
}
