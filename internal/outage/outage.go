package outage

import (
	"log/slog"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Tracker records a failure streak. The zero value is ready to use.
type Tracker struct {
	// Now is the clock of the streak's start and length (nil: time.Now);
	// set it before the first Fail.
	Now     func() time.Time
	mu      sync.Mutex
	since   time.Time
	lastErr string
	fails   int
}

// Fail records a failure and logs msg only on the first of a streak.
func (o *Tracker) Fail(log *slog.Logger, msg string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fails++
	o.lastErr = err.Error()
	if o.since.IsZero() {
		o.since = o.now()
		log.Warn(msg, "error", err)
	}
}

// Recover ends a streak (logging msg once) if there was one.
func (o *Tracker) Recover(log *slog.Logger, msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.since.IsZero() {
		return
	}
	log.Info(msg, "after", o.now().Sub(o.since).Round(time.Millisecond), "retries", o.fails)
	o.since, o.fails = time.Time{}, 0
}

func (o *Tracker) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// State reports when the current streak began (zero when healthy) and the last error.
func (o *Tracker) State() (time.Time, string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.since, o.lastErr
}

// NewBackoff is the retry policy: 200ms doubling to 15s, ±50% jitter, forever.
func NewBackoff() *backoff.ExponentialBackOff {
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = 200 * time.Millisecond
	bo.MaxInterval = 15 * time.Second
	bo.RandomizationFactor = 0.5
	bo.MaxElapsedTime = 0
	return bo
}
