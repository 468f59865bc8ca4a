package mcpserver

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// fakeService answers with canned responses (or errors) and records the
// requests it received.
type fakeService struct {
	mu    sync.Mutex
	calls []any         // the requests, in order; Status records "status"
	err   error         // returned by every method when set
	nilOK bool          // answer nil, nil (a broken service)
	delay time.Duration // every method takes this long (a slow cache)
}

func (f *fakeService) record(r any) error {
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r)
	return f.err
}

func (f *fakeService) requests() []any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]any(nil), f.calls...)
}

func answerOf[R any](f *fakeService, r any, resp *R) (*R, error) {
	if err := f.record(r); err != nil {
		return nil, err
	}
	if f.nilOK {
		return nil, nil
	}
	return resp, nil
}

func (f *fakeService) Get(_ context.Context, r query.GetRequest) (*query.GetResponse, error) {
	return answerOf(f, r, cannedGet())
}

func (f *fakeService) Recent(_ context.Context, r query.RecentRequest) (*query.RecentResponse, error) {
	return answerOf(f, r, cannedRecent())
}

func (f *fakeService) Search(_ context.Context, r query.SearchRequest) (*query.SearchResponse, error) {
	return answerOf(f, r, cannedSearch())
}

func (f *fakeService) Patterns(_ context.Context, r query.PatternsRequest) (*query.PatternsResponse, error) {
	return answerOf(f, r, &query.PatternsResponse{Patterns: []json.RawMessage{patternRow}, Freshness: cannedFreshness()})
}

func (f *fakeService) Embeddings(_ context.Context, r query.EmbeddingsRequest) (*query.EmbeddingsResponse, error) {
	return answerOf(f, r, &query.EmbeddingsResponse{Freshness: cannedFreshness()})
}

func (f *fakeService) Status(_ context.Context) (*query.StatusResponse, error) {
	return answerOf(f, "status", cannedStatus())
}

var _ query.Service = (*fakeService)(nil)

// Canned rows, as the protocol writes them (JSON columns as strings).
var (
	episodeRow = json.RawMessage(`{"domain":"web-api","episode_id":"ep-123","language":"go","start_time":1767225600,"steps":"[]","task_description":"fix the login redirect loop","task_type":"debugging"}`)
	patternRow = json.RawMessage(`{"context_domain":"web-api","pattern_data":"{\"description\":\"retry with backoff\"}","pattern_id":"pat-7","pattern_type":"ErrorRecovery","success_rate":0.92}`)
)

func cannedFreshness() query.Freshness {
	last := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	return query.Freshness{
		AppliedVersion: 1234, TursoHeadVersion: 1240, Lag: 6, Stale: true, StaleReason: "lag above 5",
		AsOf: time.Date(2026, 1, 1, 12, 0, 5, 0, time.UTC), LastSync: &last, ServedBy: "worker",
	}
}

func cannedSearch() *query.SearchResponse {
	return &query.SearchResponse{
		Hits: []query.Hit{
			{Kind: protocol.EntityEpisode, ID: "ep-123", Score: 0.8213,
				Scores: query.Scores{Keyword: 3.5, KeywordRank: 1, Relevance: 1, Recency: 0.5},
				Rows:   query.Rows{Episode: episodeRow}},
			{Kind: protocol.EntityPattern, ID: "pat-7", Score: 0.41,
				Scores: query.Scores{Keyword: 1.25, KeywordRank: 2},
				Rows:   query.Rows{Pattern: patternRow}},
		},
		Mode:      "hybrid",
		Freshness: cannedFreshness(),
	}
}

func cannedGet() *query.GetResponse {
	return &query.GetResponse{Kind: protocol.EntityEpisode, ID: "ep-123", Version: 42,
		Rows: query.Rows{Episode: episodeRow}, Freshness: cannedFreshness()}
}

func cannedRecent() *query.RecentResponse {
	return &query.RecentResponse{Episodes: []json.RawMessage{episodeRow}, Freshness: cannedFreshness()}
}

func cannedStatus() *query.StatusResponse {
	return &query.StatusResponse{
		Worker: "laptop", Cache: "/data/cache",
		Counts: query.Counts{Episodes: 120, Patterns: 30, Embeddings: 150},
		Index: query.IndexStats{Episodes: 120, Patterns: 30, Embeddings: 150, Terms: 4000, ApproxBytes: 1 << 20, BuildMs: 12.5,
			Dimensions: []query.Dim{{Model: "all-MiniLM-L6-v2", Dimension: 384, Count: 150}}},
		Freshness: cannedFreshness(),
	}
}
