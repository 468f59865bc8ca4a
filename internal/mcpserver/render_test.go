package mcpserver

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

func TestRenderFreshness(t *testing.T) {
	tests := []struct {
		name string
		f    query.Freshness
		want string
	}{
		{"fresh", query.Freshness{AppliedVersion: 1240, TursoHeadVersion: 1240}, "cache applied v1240, Turso head v1240, lag 0, fresh"},
		{"stale with reason", query.Freshness{AppliedVersion: 1234, TursoHeadVersion: 1240, Lag: 6, Stale: true, StaleReason: "no heartbeat for 2m"},
			"cache applied v1234, Turso head v1240, lag 6, stale (no heartbeat for 2m)"},
		{"stale without reason", query.Freshness{AppliedVersion: 7, Stale: true}, "cache applied v7, Turso head v0, lag 0, stale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := renderFreshness(tt.f); got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRenderSearch(t *testing.T) {
	long := strings.Repeat("word ", 40) // 200 runes
	longRow, _ := json.Marshal(map[string]any{"task_description": "é" + long, "domain": ""})
	tests := []struct {
		name string
		resp *query.SearchResponse
		want []string
	}{
		{"episode and pattern", cannedSearch(), []string{
			"1. [episode ep-123] score 0.82 — fix the login redirect loop (domain web-api)",
			"2. [pattern pat-7] score 0.41 — ErrorRecovery: retry with backoff [success 0.92] (domain web-api)",
			"cache applied v1234, Turso head v1240, lag 6, stale (lag above 5)",
		}},
		{"no hits", &query.SearchResponse{Mode: "keyword"}, []string{
			"no matches (mode keyword)",
			"cache applied v0, Turso head v0, lag 0, fresh",
		}},
		{"pattern data without description, bad row", &query.SearchResponse{Hits: []query.Hit{
			{Kind: protocol.EntityPattern, ID: "p1", Score: 1, Rows: query.Rows{Pattern: json.RawMessage(`{"pattern_type":"ToolSequence","pattern_data":"{\"tools\": [\"grep\",\n \"edit\"]}"}`)}},
			{Kind: protocol.EntityEpisode, ID: "e1", Score: 0.5, Rows: query.Rows{Episode: json.RawMessage(`not json`)}},
		}}, []string{
			`1. [pattern p1] score 1.00 — ToolSequence: {"tools": ["grep", "edit"]}`,
			"2. [episode e1] score 0.50 — ",
			"cache applied v0, Turso head v0, lag 0, fresh",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Split(renderSearch(tt.resp), "\n"); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	t.Run("truncated", func(t *testing.T) {
		out := renderSearch(&query.SearchResponse{Hits: []query.Hit{{Kind: protocol.EntityEpisode, ID: "e", Rows: query.Rows{Episode: longRow}}}})
		line, _, _ := strings.Cut(out, "\n")
		sum := strings.TrimPrefix(line, "1. [episode e] score 0.00 — ")
		if !strings.HasSuffix(sum, "…") || utf8.RuneCountInString(sum) > summaryRunes || !strings.HasPrefix(sum, "éword word") || strings.HasSuffix(sum, " …") || !strings.HasSuffix(sum, "word…") {
			t.Errorf("summary %q (%d runes): want at most %d runes ending in …", sum, utf8.RuneCountInString(sum), summaryRunes)
		}
	})
}

func TestRenderOthers(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"recent", renderRecent(cannedRecent()), "1. [episode ep-123] 2026-01-01T00:00:00Z — fix the login redirect loop (domain web-api)\n" +
			"cache applied v1234, Turso head v1240, lag 6, stale (lag above 5)"},
		{"recent empty", renderRecent(&query.RecentResponse{}), "no episodes\ncache applied v0, Turso head v0, lag 0, fresh"},
		{"get", renderGet(cannedGet()), "[episode ep-123] version 42 — fix the login redirect loop (domain web-api)\n" +
			"row: " + string(episodeRow) + "\ncache applied v1234, Turso head v1240, lag 6, stale (lag above 5)"},
		{"status", renderStatus(cannedStatus()), "worker laptop, cache /data/cache: 120 episodes, 30 patterns, 150 embeddings\n" +
			"embeddings: 384-d all-MiniLM-L6-v2 (150)\ncache applied v1234, Turso head v1240, lag 6, stale (lag above 5)"},
		{"status empty", renderStatus(&query.StatusResponse{}), "worker -, cache -: 0 episodes, 0 patterns, 0 embeddings\n" +
			"embeddings: none indexed (search_by_embedding has nothing to compare with)\ncache applied v0, Turso head v0, lag 0, fresh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", tt.got, tt.want)
			}
		})
	}
}
