package mcpserver

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

func TestListTools(t *testing.T) {
	cs := connect(t, &fakeService{})
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]*jsonschema.Schema{}
	for _, tool := range res.Tools {
		var in, out jsonschema.Schema
		remarshal(t, tool.InputSchema, &in)
		remarshal(t, tool.OutputSchema, &out)
		if in.Type != "object" || out.Type != "object" {
			t.Errorf("%s: input schema type %q, output schema type %q; want object", tool.Name, in.Type, out.Type)
		}
		if a := tool.Annotations; a == nil || !a.ReadOnlyHint || !a.IdempotentHint {
			t.Errorf("%s: annotations %+v, want read-only and idempotent", tool.Name, a)
		}
		for name, p := range in.Properties {
			if p.Description == "" {
				t.Errorf("%s: input %q has no description", tool.Name, name)
			}
		}
		schemas[tool.Name] = &in
	}
	tests := []struct {
		tool     string
		required []string
		props    []string
	}{
		{"query_memory", []string{"query"}, []string{"query", "domain", "task_type", "language", "limit", "mode", "kind"}},
		{"get_episode", []string{"episode_id"}, []string{"episode_id"}},
		{"recent_episodes", nil, []string{"limit", "domain", "task_type", "language", "since"}},
		{"search_by_embedding", []string{"embedding"}, []string{"embedding", "kind", "limit", "model", "domain", "task_type"}},
		{"search_patterns", []string{"query"}, []string{"query", "domain", "limit"}},
		{"memory_status", nil, nil},
	}
	if len(res.Tools) != len(tests) {
		t.Errorf("%d tools, want %d", len(res.Tools), len(tests))
	}
	for _, tt := range tests {
		s, ok := schemas[tt.tool]
		if !ok {
			t.Errorf("tool %s not listed", tt.tool)
			continue
		}
		if !slices.Equal(s.Required, tt.required) {
			t.Errorf("%s: required %v, want %v", tt.tool, s.Required, tt.required)
		}
		got := slices.Sorted(maps.Keys(s.Properties))
		if want := slices.Sorted(slices.Values(tt.props)); !slices.Equal(got, want) {
			t.Errorf("%s: properties %v, want %v", tt.tool, got, want)
		}
		if l, ok := s.Properties["limit"]; ok {
			if l.Minimum == nil || *l.Minimum != 1 || l.Maximum == nil || *l.Maximum != query.MaxLimit || string(l.Default) != "10" {
				t.Errorf("%s: limit schema min %v max %v default %s; want 1, 100, 10", tt.tool, l.Minimum, l.Maximum, l.Default)
			}
		}
	}
	if got := schemas["query_memory"].Properties["mode"].Enum; !reflect.DeepEqual(got, []any{"hybrid", "keyword", "vector"}) {
		t.Errorf("query_memory mode enum %v", got)
	}
}

func TestToolCalls(t *testing.T) {
	since := int64(1767225600)
	tests := []struct {
		name    string
		tool    string
		args    map[string]any
		wantReq any
		want    any // the canned response the structured content must equal
		lines   []string
	}{
		{
			name: "query_memory all fields", tool: "query_memory",
			args: map[string]any{"query": "login redirect", "domain": "web-api", "task_type": "debugging", "language": "go", "limit": 5, "mode": "keyword", "kind": "episode"},
			wantReq: query.SearchRequest{Text: "login redirect", Kind: protocol.EntityEpisode, Mode: "keyword", Limit: 5,
				Filter: query.Filter{Domain: "web-api", TaskType: "debugging", Language: "go"}},
			want: cannedSearch(),
			lines: []string{
				"1. [episode ep-123] score 0.82 — fix the login redirect loop (domain web-api)",
				"2. [pattern pat-7] score 0.41 — ErrorRecovery: retry with backoff [success 0.92] (domain web-api)",
				"cache applied v1234, Turso head v1240, lag 6, stale (lag above 5)",
			},
		},
		{
			name: "query_memory defaults", tool: "query_memory", args: map[string]any{"query": "login"},
			wantReq: query.SearchRequest{Text: "login", Limit: query.DefaultLimit}, want: cannedSearch(),
		},
		{
			name: "get_episode", tool: "get_episode", args: map[string]any{"episode_id": "ep-123"},
			wantReq: query.GetRequest{Kind: protocol.EntityEpisode, ID: "ep-123"}, want: cannedGet(),
			lines: []string{"[episode ep-123] version 42 — fix the login redirect loop (domain web-api)", "row: " + string(episodeRow)},
		},
		{
			name: "recent_episodes all fields", tool: "recent_episodes",
			args:    map[string]any{"limit": 3, "domain": "web-api", "task_type": "debugging", "language": "go", "since": since},
			wantReq: query.RecentRequest{Limit: 3, Filter: query.Filter{Domain: "web-api", TaskType: "debugging", Language: "go", Since: since}},
			want:    cannedRecent(),
			lines:   []string{"1. [episode ep-123] 2026-01-01T00:00:00Z — fix the login redirect loop (domain web-api)"},
		},
		{
			name: "recent_episodes defaults", tool: "recent_episodes", args: map[string]any{},
			wantReq: query.RecentRequest{Limit: query.DefaultLimit}, want: cannedRecent(),
		},
		{
			name: "search_by_embedding", tool: "search_by_embedding",
			args: map[string]any{"embedding": []float32{0.1, -0.2, 0.3}, "kind": "pattern", "limit": 2, "model": "all-MiniLM-L6-v2", "domain": "web-api", "task_type": "debugging"},
			wantReq: query.SearchRequest{Vector: []float32{0.1, -0.2, 0.3}, Model: "all-MiniLM-L6-v2", Kind: protocol.EntityPattern, Mode: "vector", Limit: 2,
				Filter: query.Filter{Domain: "web-api", TaskType: "debugging"}},
			want: cannedSearch(),
		},
		{
			name: "search_patterns", tool: "search_patterns", args: map[string]any{"query": "retry", "domain": "web-api"},
			wantReq: query.SearchRequest{Text: "retry", Kind: protocol.EntityPattern, Mode: "hybrid", Limit: query.DefaultLimit,
				Filter: query.Filter{Domain: "web-api"}},
			want: cannedSearch(),
		},
		{
			name: "memory_status", tool: "memory_status", args: map[string]any{}, wantReq: "status", want: cannedStatus(),
			lines: []string{"worker laptop, cache /data/cache: 120 episodes, 30 patterns, 150 embeddings", "embeddings: 384-d all-MiniLM-L6-v2 (150)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &fakeService{}
			res := call(t, connect(t, svc), tt.tool, tt.args)
			if res.IsError {
				t.Fatalf("IsError: %s", text(res))
			}
			if got := svc.requests(); len(got) != 1 || !reflect.DeepEqual(got[0], tt.wantReq) {
				t.Errorf("service got %#v\nwant %#v", got, tt.wantReq)
			}
			// The structured content is the response type's JSON.
			if got, want := normalize(t, res.StructuredContent), normalize(t, tt.want); !reflect.DeepEqual(got, want) {
				t.Errorf("structured content\n got %v\nwant %v", got, want)
			}
			decoded := reflect.New(reflect.TypeOf(tt.want).Elem())
			remarshal(t, res.StructuredContent, decoded.Interface())
			if f := decoded.Elem().FieldByName("Freshness").Interface().(query.Freshness); f.AppliedVersion != 1234 || !f.AsOf.Equal(cannedFreshness().AsOf) || f.LastSync == nil {
				t.Errorf("decoded freshness %+v", f)
			}
			lines := strings.Split(text(res), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "cache applied v1234, Turso head v1240, lag 6, ") {
				t.Errorf("last text line %q, want the freshness line", last)
			}
			for _, want := range tt.lines {
				if !slices.Contains(lines, want) {
					t.Errorf("text lacks line %q:\n%s", want, text(res))
				}
			}
		})
	}
}

// remarshal decodes v's JSON into out.
func remarshal(t *testing.T, v, out any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}

// normalize is v's JSON as generic values, for comparing JSON documents.
func normalize(t *testing.T, v any) any {
	t.Helper()
	var out any
	remarshal(t, v, &out)
	return out
}
