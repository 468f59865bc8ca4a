package integration

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/memsync/memsync/changefeed"
)

// BenchmarkPollRate (issue 10 item 2) counts the changefeed's polls of the
// database (each one read transaction of two SELECTs; one with changes adds
// the row reads) over a window of MEMSYNC_POLLRATE_SECONDS (default 10)
// right after it caught up: idle, and under a writer at 100 and 1000
// single-row writes/s; with the local-file defaults and with the remote
// schedule (on a local file: the rate of the schedule; against Turso Cloud
// each poll also waits its round trips, so it can only be lower).
// Run: go test ./integration -run XXX -bench PollRate -benchtime 1x
func BenchmarkPollRate(b *testing.B) {
	window := 10 * time.Second
	if v, err := strconv.Atoi(os.Getenv("MEMSYNC_POLLRATE_SECONDS")); err == nil && v > 0 {
		window = time.Duration(v) * time.Second
	}
	schedules := []struct {
		name string
		o    changefeed.Options
	}{
		{"local-defaults", changefeed.Options{}},
		{"remote-schedule", changefeed.Options{PollMin: changefeed.DefaultRemotePollMin, PollInterval: changefeed.DefaultRemotePollInterval}},
	}
	for _, s := range schedules {
		for _, rate := range []int{0, 100, 1000} {
			b.Run(fmt.Sprintf("%s/writes=%d", s.name, rate), func(b *testing.B) {
				for range b.N {
					benchPollRate(b, s.o, rate, window)
				}
			})
		}
	}
}

func benchPollRate(b *testing.B, o changefeed.Options, rate int, window time.Duration) {
	e := benchEnv(b, 100)
	o.Logger = quiet()
	var pub durations
	o.OnBatch = pub.add
	cf, err := changefeed.New(e.db, e.js, &o)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = cf.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for head, _ := e.db.Head(ctx); cf.Cursor() < head; {
		time.Sleep(time.Millisecond) // setup: the bootstrap is published
	}
	polls0, start := cf.Polls(), time.Now()
	if rate > 0 {
		writeAtRate(b, e.db, latencyEpisodes(int(window.Seconds())*rate), rate)
	}
	if d := time.Until(start.Add(window)); d > 0 {
		time.Sleep(d)
	}
	polls := float64(cf.Polls() - polls0)
	b.ReportMetric(pub.median(), "publish-p50-ms")
	b.ReportMetric(polls/time.Since(start).Seconds(), "polls/s")
	if rate > 0 {
		b.ReportMetric(float64(int(window.Seconds())*rate)/polls, "changes/poll")
	}
	b.ReportMetric(0, "ns/op")
}
