package changefeed

import (
	"strings"
	"time"
)

// The poll schedule (issue 10 item 2): after a poll that found changes
// the loop waits PollMin; the longer the change log stays quiet, the
// longer it waits, up to PollInterval. The defaults depend on where the
// database is: a local file is cheap to poll (a read transaction of two
// indexed SELECTs, tens of microseconds), a remote Turso database costs a
// network round trip per statement and counts as requests and rows read.
const (
	DefaultLocalPollMin       = 5 * time.Millisecond
	DefaultLocalPollInterval  = 25 * time.Millisecond
	DefaultRemotePollMin      = 50 * time.Millisecond
	DefaultRemotePollInterval = 2 * time.Second
	// MinPollInterval is the shortest wait the options accept.
	MinPollInterval = time.Millisecond
)

// idleRatio: after the change log has been quiet for d, the loop waits
// d/idleRatio (within [PollMin, PollInterval]). The first change after a
// quiet spell of d is seen at most about d/idleRatio later, and the polls
// of the ramp from PollMin to PollInterval number about
// idleRatio*(1+ln(PollInterval/PollMin)): a burst costs a few dozen polls
// after it ends, then the idle rate is 1/PollInterval.
const idleRatio = 8

// pollSchedule is the wait before the next poll; min == max is a fixed
// period.
type pollSchedule struct {
	min, max time.Duration
}

// next is the wait after a poll when the change log has been quiet for
// idle (0: the poll found changes).
//
// INVARIANT 1.4 (bounded poll rate): the wait is never below min, and an idle
// loop waits max; counted from the start of the previous step, a
// changefeed makes at most 1/min polls per second while changes arrive
// (full batches excepted: those are read back to back) and 1/max while
// idle.
func (s pollSchedule) next(idle time.Duration) time.Duration {
	return min(s.max, max(s.min, idle/idleRatio))
}

func (s pollSchedule) fixed() bool { return s.min == s.max }

// stepStart is when a step starts, for the adaptive schedule (the fixed
// one never reads the clock).
func (c *Changefeed) stepStart() time.Time {
	if c.sched.fixed() {
		return time.Time{}
	}
	return c.now()
}

// pollWait is the wait after a step that was not full and started at
// started. Adaptive, it counts from the step's start: a step that took
// longer than the wait (a publish waiting for its acknowledgement) is
// followed by the next at once, which reads what arrived meanwhile.
func (c *Changefeed) pollWait(res Result, started time.Time) time.Duration {
	if c.sched.fixed() {
		return c.sched.min
	}
	now := c.now()
	if res.Changes > 0 || c.lastChange.IsZero() {
		c.lastChange = now
	}
	return max(0, c.sched.next(now.Sub(c.lastChange))-now.Sub(started))
}

// isLocalURL reports a database URL that names a local file ("file:..."
// or a bare path); libsql://, https:// and http:// are remote.
func isLocalURL(u string) bool {
	scheme, _, found := strings.Cut(u, ":")
	return !found || strings.EqualFold(scheme, "file")
}

// Polls is how many polls of the change log Run has made (each one read
// transaction; a full batch also reads the next one ahead).
func (c *Changefeed) Polls() uint64 { return c.polls.Load() }
