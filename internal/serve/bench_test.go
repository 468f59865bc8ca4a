package serve

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// BenchmarkGetOverSocket is Client.Get through a real unix socket against
// the in-test service (keep-alive connection): ns/op, and p50/p99 of the
// per-call latency.
func BenchmarkGetOverSocket(b *testing.B) {
	sock := SocketPath(b.TempDir(), "bench")
	s, err := New(&benchService{}, &Options{Socket: sock})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(b.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }() // awaited below
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()
	<-s.Ready()
	c := Dial(sock, nil)
	defer c.Close()
	req := query.GetRequest{Kind: protocol.EntityEpisode, ID: "ep-0001"}
	if _, err := c.Get(ctx, req); err != nil { // warm the connection
		b.Fatal(err)
	}
	durations := make([]time.Duration, 0, 1<<16)
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if _, err := c.Get(ctx, req); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	slices.Sort(durations)
	pct := func(p float64) float64 { return float64(durations[int(p*float64(len(durations)-1))].Nanoseconds()) }
	b.ReportMetric(pct(0.50), "p50-ns")
	b.ReportMetric(pct(0.99), "p99-ns")
}

// benchService answers Get with a realistic row without recording.
type benchService struct{ fakeService }

var benchRow = []byte(`{"episode_id":"ep-0001","task":"fix the retry loop in the sync worker","domain":"backend","task_type":"bugfix","language":"go","outcome":"success","reward":0.9,"start_time":1767225600,"end_time":1767229200,"version":42}`)

func (*benchService) Get(_ context.Context, r query.GetRequest) (*query.GetResponse, error) {
	resp := &query.GetResponse{Kind: r.Kind, ID: r.ID, Version: 42, Freshness: fresh}
	resp.Episode = benchRow
	return resp, nil
}
