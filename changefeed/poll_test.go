package changefeed

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/turso"
)

const ms = time.Millisecond

func TestPollScheduleNext(t *testing.T) {
	cases := []struct {
		name     string
		s        pollSchedule
		idle     time.Duration
		wantWait time.Duration
	}{
		{"a poll that found changes waits min", pollSchedule{5 * ms, 25 * ms}, 0, 5 * ms},
		{"short quiet spell stays at min", pollSchedule{5 * ms, 25 * ms}, 40 * ms, 5 * ms},
		{"quiet grows the wait", pollSchedule{5 * ms, 25 * ms}, 80 * ms, 10 * ms},
		{"capped at max", pollSchedule{5 * ms, 25 * ms}, time.Hour, 25 * ms},
		{"remote: 1s quiet", pollSchedule{50 * ms, 2 * time.Second}, time.Second, 125 * ms},
		{"remote: 16s quiet reaches max", pollSchedule{50 * ms, 2 * time.Second}, 16 * time.Second, 2 * time.Second},
		{"remote: a day quiet", pollSchedule{50 * ms, 2 * time.Second}, 24 * time.Hour, 2 * time.Second},
		{"fixed ignores activity", pollSchedule{200 * ms, 200 * ms}, 0, 200 * ms},
		{"fixed ignores quiet", pollSchedule{200 * ms, 200 * ms}, time.Hour, 200 * ms},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.next(tc.idle); got != tc.wantWait {
				t.Fatalf("%+v.next(%v) = %v, want %v", tc.s, tc.idle, got, tc.wantWait)
			}
		})
	}
}

func TestIsLocalURL(t *testing.T) {
	cases := []struct {
		url   string
		local bool
	}{
		{"file:/data/memory.db", true},
		{"FILE:memory.db", true},
		{"memsync-data/memory.db", true},
		{"libsql://memories-me.turso.io", false},
		{"https://memories-me.turso.io", false},
		{"http://127.0.0.1:8080", false},
	}
	for _, tc := range cases {
		if got := isLocalURL(tc.url); got != tc.local {
			t.Errorf("isLocalURL(%q) = %v, want %v", tc.url, got, tc.local)
		}
	}
}

// The poll options resolve to a schedule by where the database is, and
// bad combinations are refused naming the problem.
func TestPollOptions(t *testing.T) {
	cases := []struct {
		name              string
		o                 Options
		local             bool
		wantMin, wantIdle time.Duration
		wantErr           string
	}{
		{"local defaults", Options{}, true, DefaultLocalPollMin, DefaultLocalPollInterval, ""},
		{"remote defaults", Options{}, false, DefaultRemotePollMin, DefaultRemotePollInterval, ""},
		{"only PollInterval: fixed", Options{PollInterval: 10 * ms}, false, 10 * ms, 10 * ms, ""},
		{"only PollMin: default idle period", Options{PollMin: 20 * ms}, false, 20 * ms, DefaultRemotePollInterval, ""},
		{"only PollMin above the default idle period", Options{PollMin: 100 * ms}, true, 100 * ms, 100 * ms, ""},
		{"both", Options{PollMin: 2 * ms, PollInterval: 50 * ms}, true, 2 * ms, 50 * ms, ""},
		{"min above interval", Options{PollMin: 60 * ms, PollInterval: 50 * ms}, true, 0, 0, "must not exceed"},
		{"below a millisecond", Options{PollMin: 100 * time.Microsecond, PollInterval: 50 * ms}, true, 0, 0, "at least 1ms"},
		{"negative", Options{PollInterval: -ms}, true, 0, 0, "at least 1ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o.ensureDefaults(tc.local)
			err := o.Validate()
			if tc.wantErr != "" {
				if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want ErrOptions naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || o.PollMin != tc.wantMin || o.PollInterval != tc.wantIdle {
				t.Fatalf("min %v interval %v err %v, want %v %v", o.PollMin, o.PollInterval, err, tc.wantMin, tc.wantIdle)
			}
		})
	}
}

// New picks the remote schedule for a remote URL (opening it does not
// connect) and the local one for a file.
func TestNewPicksScheduleByURL(t *testing.T) {
	cases := []struct {
		url      string
		min, max time.Duration
	}{
		{"libsql://memsync-test.invalid", DefaultRemotePollMin, DefaultRemotePollInterval},
		{"file:" + t.TempDir() + "/m.db", DefaultLocalPollMin, DefaultLocalPollInterval},
	}
	for _, tc := range cases {
		db, err := turso.Open(t.Context(), tc.url, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		c, err := New(db, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.sched != (pollSchedule{tc.min, tc.max}) {
			t.Errorf("%s: schedule %+v, want min %v max %v", tc.url, c.sched, tc.min, tc.max)
		}
	}
}

// The adaptive wait counts from the start of the step (a slow publish is
// followed by the next poll at once); the fixed one is always the period.
// The clock is injected.
func TestPollWaitCountsFromTheStepStart(t *testing.T) {
	t0 := time.Unix(1e6, 0)
	cases := []struct {
		name       string
		sched      pollSchedule
		changes    int
		quietSince time.Duration // before the step's end (0: never quiet before)
		took       time.Duration // the step's duration
		want       time.Duration
	}{
		{"found changes, quick step", pollSchedule{5 * ms, 25 * ms}, 3, 0, 1 * ms, 4 * ms},
		{"found changes, step longer than the wait", pollSchedule{5 * ms, 25 * ms}, 3, 0, 20 * ms, 0},
		{"quiet for 1s, quick step", pollSchedule{5 * ms, 25 * ms}, 0, time.Second, 1 * ms, 24 * ms},
		{"remote, quiet for 1s", pollSchedule{50 * ms, 2 * time.Second}, 0, time.Second, 30 * ms, 95 * ms},
		{"fixed ignores the step's duration", pollSchedule{200 * ms, 200 * ms}, 3, 0, 150 * ms, 200 * ms},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			end := t0.Add(time.Hour)
			c := &Changefeed{sched: tc.sched, now: func() time.Time { return end }}
			if tc.quietSince > 0 {
				c.lastChange = end.Add(-tc.quietSince)
			}
			if got := c.pollWait(Result{Changes: tc.changes}, end.Add(-tc.took)); got != tc.want {
				t.Fatalf("wait %v, want %v", got, tc.want)
			}
		})
	}
}
