package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// fakeService is a query.Service with canned answers derived from the
// request, recording every request it gets.
type fakeService struct {
	mu    sync.Mutex
	reqs  []any
	err   error // returned by every method when set
	panic bool  // every method panics when set
}

var fresh = query.Freshness{AppliedVersion: 7, TursoHeadVersion: 9, Lag: 2, Stale: true, StaleReason: "lagging",
	AsOf: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), ServedBy: "worker"}

func row(kind protocol.Entity, id string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{string(kind) + "_id": id, "n": 1})
	return b
}

func rows(kind protocol.Entity, id string) query.Rows {
	var r query.Rows
	r.Set(kind, row(kind, id))
	return r
}

func (f *fakeService) record(r any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r)
	if f.panic {
		panic("fake service exploded")
	}
	return f.err
}

// last is the most recent request, nil if none.
func (f *fakeService) last() any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		return nil
	}
	return f.reqs[len(f.reqs)-1]
}

func (f *fakeService) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

func (f *fakeService) Get(_ context.Context, r query.GetRequest) (*query.GetResponse, error) {
	if err := f.record(r); err != nil {
		return nil, err
	}
	if r.ID == "missing" {
		return nil, fmt.Errorf("%w: %s %q", query.ErrNotFound, r.Kind, r.ID)
	}
	return cannedGet(r), nil
}

func cannedGet(r query.GetRequest) *query.GetResponse {
	return &query.GetResponse{Kind: r.Kind, ID: r.ID, Version: 3, Rows: rows(r.Kind, r.ID), Freshness: fresh}
}

func (f *fakeService) Recent(_ context.Context, r query.RecentRequest) (*query.RecentResponse, error) {
	if err := f.record(r); err != nil {
		return nil, err
	}
	return cannedRecent(), nil
}

func cannedRecent() *query.RecentResponse {
	return &query.RecentResponse{Episodes: []json.RawMessage{row(protocol.EntityEpisode, "e1"), row(protocol.EntityEpisode, "e2")}, Freshness: fresh}
}

func (f *fakeService) Search(_ context.Context, r query.SearchRequest) (*query.SearchResponse, error) {
	if err := f.record(r); err != nil {
		return nil, err
	}
	return cannedSearch(), nil
}

func cannedSearch() *query.SearchResponse {
	return &query.SearchResponse{Mode: "hybrid", Freshness: fresh, Hits: []query.Hit{
		{Kind: protocol.EntityEpisode, ID: "e1", Score: 0.5, Scores: query.Scores{Keyword: 0.25, Vector: 0.75, KeywordRank: 1}, Rows: rows(protocol.EntityEpisode, "e1")},
		{Kind: protocol.EntityPattern, ID: "p1", Score: 0.25, Rows: rows(protocol.EntityPattern, "p1")},
	}}
}

func (f *fakeService) Patterns(_ context.Context, r query.PatternsRequest) (*query.PatternsResponse, error) {
	if err := f.record(r); err != nil {
		return nil, err
	}
	return cannedPatterns(), nil
}

func cannedPatterns() *query.PatternsResponse {
	return &query.PatternsResponse{Patterns: []json.RawMessage{row(protocol.EntityPattern, "p1")}, Freshness: fresh}
}

func (f *fakeService) Embeddings(_ context.Context, r query.EmbeddingsRequest) (*query.EmbeddingsResponse, error) {
	if err := f.record(r); err != nil {
		return nil, err
	}
	return cannedEmbeddings(r), nil
}

func cannedEmbeddings(r query.EmbeddingsRequest) *query.EmbeddingsResponse {
	return &query.EmbeddingsResponse{Embeddings: []json.RawMessage{row(protocol.EntityEmbedding, r.OwnerID+"#0")}, Freshness: fresh}
}

func (f *fakeService) Status(context.Context) (*query.StatusResponse, error) {
	if err := f.record("status"); err != nil {
		return nil, err
	}
	return cannedStatus(), nil
}

func cannedStatus() *query.StatusResponse {
	return &query.StatusResponse{Worker: "w1", Cache: "/data/cache", Counts: query.Counts{Episodes: 2, Patterns: 1, Embeddings: 3},
		Index:     query.IndexStats{Episodes: 2, Terms: 40, ApproxBytes: 4096, BuildMs: 1.5, Dimensions: []query.Dim{{Model: "m", Dimension: 3, Count: 3}}},
		Freshness: fresh}
}

// mustJSON is v as the handler writes it.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// startServer runs a Server until the test ends and returns it listening.
func startServer(t *testing.T, svc query.Service, opts *Options) *Server {
	t.Helper()
	s, err := New(svc, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var runErr error
	done := make(chan struct{})
	go func() { defer close(done); runErr = s.Run(ctx) }() // awaited in the cleanup
	t.Cleanup(func() {
		cancel()
		<-done
		if runErr != nil {
			t.Errorf("Run: %v", runErr)
		}
	})
	select {
	case <-s.Ready():
	case <-done:
		t.Fatal("Run returned before Ready")
	case <-time.After(5 * time.Second):
		t.Fatal("server not ready after 5s")
	}
	return s
}

// dialTest is a Client of s closed when the test ends.
func dialTest(t *testing.T, socket string, opts *ClientOptions) *Client {
	t.Helper()
	c := Dial(socket, opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}
