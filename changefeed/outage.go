package changefeed

import (
	"log/slog"
	"sync"
	"time"
)

// outage logs one warning when failures start and one line when they end,
// not one per retry.
type outage struct {
	mu      sync.Mutex
	since   time.Time
	lastErr string
	fails   int
}

func (o *outage) fail(log *slog.Logger, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fails++
	o.lastErr = err.Error()
	if o.since.IsZero() {
		o.since = time.Now()
		log.Warn("sync step failing; retrying with backoff", "error", err)
	}
}

func (o *outage) recover(log *slog.Logger) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.since.IsZero() {
		return
	}
	log.Info("sync step recovered", "after", time.Since(o.since).Round(time.Millisecond), "retries", o.fails)
	o.since, o.fails = time.Time{}, 0
}

// State reports the current outage (zero time when healthy) and the last error.
func (o *outage) State() (time.Time, string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.since, o.lastErr
}
