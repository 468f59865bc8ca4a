package outage

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A streak is logged once when it starts and once when it ends, with its
// length and retries on the tracker's clock; State reports when it began
// (on that clock) and the last error.
func TestTrackerStreaks(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	type step struct {
		at      time.Duration
		fail    string // "" : recover
		since   time.Duration
		healthy bool   // State's since is zero after the step
		logged  string // the line logged by the step ("": none)
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"one failure, recovered", []step{
			{at: 0, fail: "a", since: 0, logged: `level=WARN msg=failing error=a`},
			{at: 3 * time.Second, healthy: true, logged: `level=INFO msg=recovered after=3s retries=1`},
		}},
		{"a streak logs once and keeps its start", []step{
			{at: time.Second, fail: "a", since: time.Second, logged: `msg=failing error=a`},
			{at: 2 * time.Second, fail: "b", since: time.Second},
			{at: 5 * time.Second, fail: "c", since: time.Second},
			{at: 9 * time.Second, healthy: true, logged: `msg=recovered after=8s retries=3`},
		}},
		{"recovering while healthy logs nothing", []step{
			{at: 0, healthy: true},
		}},
		{"a new streak after a recovery starts again", []step{
			{at: 0, fail: "a", logged: `msg=failing`},
			{at: time.Second, healthy: true, logged: `after=1s retries=1`},
			{at: 10 * time.Second, fail: "b", since: 10 * time.Second, logged: `msg=failing error=b`},
			{at: 12 * time.Second, healthy: true, logged: `after=2s retries=1`},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := t0
			o := Tracker{Now: func() time.Time { return now }}
			var buf bytes.Buffer
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				}}))
			for i, st := range tc.steps {
				now = t0.Add(st.at)
				buf.Reset()
				if st.fail != "" {
					o.Fail(log, "failing", errors.New(st.fail))
				} else {
					o.Recover(log, "recovered")
				}
				line := strings.TrimSpace(buf.String())
				if (st.logged == "") != (line == "") || !strings.Contains(line, st.logged) {
					t.Fatalf("step %d: logged %q, want %q", i, line, st.logged)
				}
				since, last := o.State()
				if st.healthy != since.IsZero() || (!st.healthy && !since.Equal(t0.Add(st.since))) {
					t.Fatalf("step %d: streak since %v, want healthy %v or since +%v", i, since, st.healthy, st.since)
				}
				if st.fail != "" && last != st.fail {
					t.Fatalf("step %d: last error %q, want %q", i, last, st.fail)
				}
			}
		})
	}
}

// The zero Tracker uses the real clock.
func TestZeroTrackerUsesTheRealClock(t *testing.T) {
	var o Tracker
	before := time.Now()
	o.Fail(slog.New(slog.DiscardHandler), "failing", errors.New("x"))
	if since, _ := o.State(); since.Before(before) || since.After(time.Now()) {
		t.Fatalf("streak since %v, want between %v and now", since, before)
	}
}
