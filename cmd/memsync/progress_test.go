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
	p.update(500, 100_500)
	if out.Len() != 0 {
		t.Fatalf("the first update logged %q: it has no rate yet", out.String())
	}
	clock = clock.Add(10 * time.Second)
	p.update(50_500, 100_500) // 50k in 10 s: 5k/s, 50k left = 10 s
	var line struct {
		Done      int    `json:"done"`
		PerSecond int    `json:"per_second"`
		ETA       string `json:"eta"`
	}
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", out.String(), err)
	}
	if line.Done != 50_500 || line.PerSecond != 5000 || line.ETA != "10s" {
		t.Fatalf("logged done %d, %d/s, ETA %q; want 50500, 5000/s, ETA \"10s\"", line.Done, line.PerSecond, line.ETA)
	}
	if rate, eta := p.rate(clock, 100_500, 100_500); rate != 10_000 || eta != 0 {
		t.Fatalf("finished: rate %.0f, ETA %s; want 10000/s and no ETA", rate, eta)
	}
}
