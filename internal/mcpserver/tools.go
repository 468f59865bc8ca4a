package mcpserver

import (
	"context"
	"errors"
	"log/slog"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// tools holds what every handler needs; handlers map one input to one
// service call and render its answer.
type tools struct {
	svc query.Service
	log *slog.Logger
}

func (t *tools) queryMemory(ctx context.Context, _ *mcp.CallToolRequest, in QueryMemoryInput) (*mcp.CallToolResult, *query.SearchResponse, error) {
	resp, err := t.svc.Search(ctx, in.request())
	return answer(t.log, "query_memory", resp, err, renderSearch)
}

func (t *tools) getEpisode(ctx context.Context, _ *mcp.CallToolRequest, in GetEpisodeInput) (*mcp.CallToolResult, *query.GetResponse, error) {
	resp, err := t.svc.Get(ctx, query.GetRequest{Kind: protocol.EntityEpisode, ID: in.EpisodeID})
	if errors.Is(err, query.ErrNotFound) {
		err = &NotCachedError{Kind: protocol.EntityEpisode, ID: in.EpisodeID}
	}
	return answer(t.log, "get_episode", resp, err, renderGet)
}

func (t *tools) recentEpisodes(ctx context.Context, _ *mcp.CallToolRequest, in RecentEpisodesInput) (*mcp.CallToolResult, *query.RecentResponse, error) {
	resp, err := t.svc.Recent(ctx, in.request())
	return answer(t.log, "recent_episodes", resp, err, renderRecent)
}

func (t *tools) searchByEmbedding(ctx context.Context, _ *mcp.CallToolRequest, in SearchByEmbeddingInput) (*mcp.CallToolResult, *query.SearchResponse, error) {
	resp, err := t.svc.Search(ctx, in.request())
	return answer(t.log, "search_by_embedding", resp, err, renderSearch)
}

func (t *tools) searchPatterns(ctx context.Context, _ *mcp.CallToolRequest, in SearchPatternsInput) (*mcp.CallToolResult, *query.SearchResponse, error) {
	resp, err := t.svc.Search(ctx, in.request())
	return answer(t.log, "search_patterns", resp, err, renderSearch)
}

func (t *tools) memoryStatus(ctx context.Context, _ *mcp.CallToolRequest, _ StatusInput) (*mcp.CallToolResult, *query.StatusResponse, error) {
	resp, err := t.svc.Status(ctx)
	return answer(t.log, "memory_status", resp, err, renderStatus)
}

// answer turns a service answer into a tool result: the response is the
// structured content (the SDK marshals it), the rendering the text
// content. An error is returned as is: the SDK makes it a result with
// IsError set and the error's message as its text, which is what the
// agent needs to correct its call (the service's messages name the
// problem and never carry secrets).
func answer[R any](log *slog.Logger, tool string, resp *R, err error, render func(*R) string) (*mcp.CallToolResult, *R, error) {
	if err == nil && resp == nil {
		err = ErrNoAnswer
	}
	if err != nil {
		log.Debug("mcp tool call failed", "tool", tool, "error", err)
		return nil, nil, err
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: render(resp)}}}, resp, nil
}
