// Package outage tracks failure streaks for the long-running services: one
// log line when a streak starts, one when it ends (not one per retry), the
// current state for status and metrics, and the backoff policy for retries
// (exponential with jitter, cenkalti/backoff/v4). A tracker reads the
// clock it is given (Tracker.Now; time.Now when unset), so the streak's
// start reported to status follows a component's injected clock.
package outage
