package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
	"time"
)

// The rate and the ETA count from the first update: a capture of several
// minutes before the first publish does not make the rate low and the ETA
// days long; in a JSON log the ETA is text, not nanoseconds.
func TestProgressRateFromTheFirstUpdate(t *testing.T) {
	var out bytes.Buffer
	p := newProgress("publish", slog.New(slog.NewJSONHandler(&out, nil)))
	p.tty = false
	t0 := time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)
	clock := t0.Add(3 * time.Minute) // created at t0, first update 3 min later
	p.now = func() time.Time { return clock }
	type line struct {
		Done      int    `json:"done"`
		PerSecond int    `json:"per_second"`
		ETA       string `json:"eta"`
	}
	logged := func() line {
		t.Helper()
		var l line
		if err := json.Unmarshal(out.Bytes(), &l); err != nil {
			t.Fatalf("log line %q: %v", out.String(), err)
		}
		out.Reset()
		return l
	}
	p.update(500, 100_500) // shown at once (a short job shows a line), with no rate yet
	if l := logged(); l.Done != 500 || l.PerSecond != 0 || l.ETA != "unknown" {
		t.Fatalf("first update logged done %d, %d/s, ETA %q; want 500, 0/s, ETA \"unknown\"", l.Done, l.PerSecond, l.ETA)
	}
	clock = clock.Add(10 * time.Second)
	p.update(50_500, 100_500) // 50k in 10 s: 5k/s, 50k left = 10 s
	if l := logged(); l.Done != 50_500 || l.PerSecond != 5000 || l.ETA != "10s" {
		t.Fatalf("logged done %d, %d/s, ETA %q; want 50500, 5000/s, ETA \"10s\"", l.Done, l.PerSecond, l.ETA)
	}
	if rate, eta := p.rate(clock, 100_500, 100_500); rate != 10_000 || eta != 0 {
		t.Fatalf("finished: rate %.0f, ETA %s; want 10000/s and no ETA", rate, eta)
	}
}
