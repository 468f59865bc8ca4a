package changefeed

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/protocol"
)

// triggerCall is one sync.trigger handled at t0+at: refused or not, and
// when refused the time the refusal names for the next full re-capture.
type triggerCall struct {
	at      time.Duration
	mode    protocol.TriggerMode
	refused bool
	next    time.Duration // t0+next is named in a refusal
}

// Issue 9 item 5: full re-captures asked by sync.trigger are rate-limited
// (default one per 10 minutes, configurable, negative for none); a trigger
// within the limit is refused with an error and a result naming when the
// next one is allowed; incremental triggers are never limited. Time is a
// fake clock.
func TestFullRecaptureIsRateLimited(t *testing.T) {
	const m = time.Minute
	full, incr := protocol.TriggerFull, protocol.TriggerIncremental
	cases := []struct {
		name  string
		every time.Duration
		calls []triggerCall
	}{
		{"default: one per 10 minutes", 0, []triggerCall{
			{0, full, false, 0},
			{1 * m, full, true, 10 * m},
			{1 * m, incr, false, 0},
			{10*m - time.Second, full, true, 10 * m},
			{10 * m, full, false, 0},
			{15 * m, full, true, 20 * m},
		}},
		{"configured: one per 2 minutes", 2 * m, []triggerCall{
			{0, full, false, 0},
			{1 * m, full, true, 2 * m},
			{2 * m, full, false, 0},
		}},
		{"negative: no limit", -1, []triggerCall{
			{0, full, false, 0},
			{0, full, false, 0},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, js := testenv.StartNATS(t).Connect(t)
			c, db := dlqFeed(t, js, Options{FullRecaptureEvery: tc.every})
			if err := seed.Seed(t.Context(), db.SQL(), seed.Options{Episodes: 3, Seed: 1}); err != nil {
				t.Fatal(err)
			}
			t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
			for i, call := range tc.calls {
				c.now = func() time.Time { return t0.Add(call.at) }
				res, handled, err := c.HandleTrigger(t.Context(), call.mode)
				if !handled {
					t.Fatalf("call %d (%s at +%v) not handled", i, call.mode, call.at)
				}
				checkRefusal(t, i, call, t0, res, err)
			}
		})
	}
}

func checkRefusal(t *testing.T, i int, call triggerCall, t0 time.Time, res any, err error) {
	t.Helper()
	if !call.refused {
		if err != nil {
			t.Fatalf("call %d (%s at +%v) refused: %v", i, call.mode, call.at, err)
		}
		return
	}
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("call %d (%s at +%v): err %v, want a rate-limit refusal", i, call.mode, call.at, err)
	}
	next := t0.Add(call.next).Format(time.RFC3339)
	if !strings.Contains(err.Error(), next) {
		t.Fatalf("call %d: refusal %q does not name the next allowed time %s", i, err, next)
	}
	b, _ := json.Marshal(res)
	var r struct {
		Rows int64     `json:"recaptured_rows"`
		Next time.Time `json:"next_full_at"`
	}
	if json.Unmarshal(b, &r) != nil || r.Rows != 0 || !r.Next.Equal(t0.Add(call.next)) {
		t.Fatalf("call %d: refusal result %s, want recaptured_rows 0 and next_full_at %s", i, b, next)
	}
}

// A full re-capture that fails (Turso unreachable) does not use up the
// limit: the next trigger tries again and fails for the same reason.
func TestFailedRecaptureIsNotCounted(t *testing.T) {
	_, js := testenv.StartNATS(t).Connect(t)
	c, db := dlqFeed(t, js, Options{})
	db.Close()
	for i := range 2 {
		_, _, err := c.HandleTrigger(t.Context(), protocol.TriggerFull)
		if err == nil || errors.Is(err, ErrRateLimited) {
			t.Fatalf("full re-capture %d on a closed database: %v, want the database error", i, err)
		}
	}
}
