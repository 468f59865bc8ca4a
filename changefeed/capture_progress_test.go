package changefeed

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// A long capture logs its progress at most every captureProgressEvery
// (fake clock), with the rows captured so far.
func TestCaptureProgressIsThrottled(t *testing.T) {
	var out bytes.Buffer
	now := time.Unix(1000, 0)
	c := &Changefeed{log: slog.New(slog.NewTextHandler(&out, nil)), now: func() time.Time { return now }}
	report := c.captureProgress()
	for _, step := range []struct {
		after time.Duration
		rows  int64
	}{{time.Second, 2000}, {4 * time.Second, 10000}, {time.Second, 12000}, {time.Second, 14000}, {5 * time.Second, 24000}} {
		now = now.Add(step.after)
		report(step.rows)
	}
	got := strings.Count(out.String(), "capturing the existing rows")
	if got != 2 || !strings.Contains(out.String(), "rows=10000") || !strings.Contains(out.String(), "rows=24000") {
		t.Fatalf("want 2 progress lines (at 5 s: 10000 rows, at 12 s: 24000), got %d:\n%s", got, out.String())
	}
}
