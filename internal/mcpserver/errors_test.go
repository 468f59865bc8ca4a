package mcpserver

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/memsync/memsync/internal/query"
)

func TestToolErrors(t *testing.T) {
	dimErr := fmt.Errorf("%w: retrieval: query vector has dimension 3; the cache holds 384 (model %q)", query.ErrBadRequest, "all-MiniLM-L6-v2")
	tests := []struct {
		name     string
		tool     string
		args     map[string]any
		svcErr   error
		nilOK    bool
		wantText []string // substrings of the error text
		called   bool     // whether the service must have been called
	}{
		// Rejected by the input schema, before the service.
		{name: "limit of the wrong type", tool: "query_memory", args: map[string]any{"query": "x", "limit": "ten"}, wantText: []string{"limit"}},
		{name: "missing required query", tool: "query_memory", args: map[string]any{"domain": "web-api"}, wantText: []string{"query"}},
		{name: "empty query", tool: "search_patterns", args: map[string]any{"query": ""}, wantText: []string{"query"}},
		{name: "limit above 100", tool: "recent_episodes", args: map[string]any{"limit": 500}, wantText: []string{"limit"}},
		{name: "limit 0", tool: "query_memory", args: map[string]any{"query": "x", "limit": 0}, wantText: []string{"limit"}},
		{name: "unknown mode", tool: "query_memory", args: map[string]any{"query": "x", "mode": "fuzzy"}, wantText: []string{"mode"}},
		{name: "unknown kind", tool: "search_by_embedding", args: map[string]any{"embedding": []float32{1}, "kind": "embedding"}, wantText: []string{"kind"}},
		{name: "empty embedding", tool: "search_by_embedding", args: map[string]any{"embedding": []float32{}}, wantText: []string{"embedding"}},
		{name: "null embedding", tool: "search_by_embedding", args: map[string]any{"embedding": nil}, wantText: []string{"embedding"}},
		{name: "unknown argument", tool: "query_memory", args: map[string]any{"query": "x", "sort": "newest"}, wantText: []string{"sort"}},
		{name: "missing episode_id", tool: "get_episode", args: map[string]any{}, wantText: []string{"episode_id"}},

		// Errors of the service.
		{name: "episode not found", tool: "get_episode", args: map[string]any{"episode_id": "ep-404"},
			svcErr: fmt.Errorf("%w: episode ep-404", query.ErrNotFound), wantText: []string{"episode ep-404 is not in the cache"}, called: true},
		{name: "bad request", tool: "query_memory", args: map[string]any{"query": "x", "language": "go"},
			svcErr: fmt.Errorf("%w: --since must not be negative", query.ErrBadRequest), wantText: []string{"query: bad request: --since must not be negative"}, called: true},
		{name: "wrong dimension", tool: "search_by_embedding", args: map[string]any{"embedding": []float32{1, 2, 3}},
			svcErr: dimErr, wantText: []string{"dimension 3", "the cache holds 384"}, called: true},
		{name: "unavailable", tool: "memory_status", args: map[string]any{},
			svcErr: query.ErrUnavailable, wantText: []string{"cache is being replaced, retry"}, called: true},
		{name: "other error", tool: "recent_episodes", args: map[string]any{},
			svcErr: errors.New("cachestore: store is closed"), wantText: []string{"cachestore: store is closed"}, called: true},
		{name: "no answer", tool: "search_patterns", args: map[string]any{"query": "x"},
			nilOK: true, wantText: []string{ErrNoAnswer.Error()}, called: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &fakeService{err: tt.svcErr, nilOK: tt.nilOK}
			res := call(t, connect(t, svc), tt.tool, tt.args)
			if !res.IsError {
				t.Fatalf("IsError false; text %q", text(res))
			}
			if res.StructuredContent != nil {
				t.Errorf("error result has structured content %v", res.StructuredContent)
			}
			for _, want := range tt.wantText {
				if !strings.Contains(text(res), want) {
					t.Errorf("error text %q lacks %q", text(res), want)
				}
			}
			if called := len(svc.requests()) > 0; called != tt.called {
				t.Errorf("service called %v, want %v", called, tt.called)
			}
		})
	}
}

func TestNotCachedError(t *testing.T) {
	err := error(&NotCachedError{Kind: "episode", ID: "ep-1"})
	if err.Error() != "episode ep-1 is not in the cache" || !errors.Is(err, ErrNotCached) {
		t.Errorf("%q, errors.Is(ErrNotCached) = %v", err, errors.Is(err, ErrNotCached))
	}
}
