package mcpserver

import (
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memsync/memsync/internal/query"
)

// instructions tell the agent what the server is for.
const instructions = `memsync serves this machine's cache of agent memories: ` +
	`episodes (past tasks with their steps, outcome and reflection) and patterns (lessons distilled from them). ` +
	`Reads are local and fast. Start with query_memory (or search_patterns) for the task at hand, ` +
	`open an episode with get_episode, use recent_episodes for what happened lately. ` +
	`Every answer says how fresh the cache is (applied version, Turso head, lag, stale).`

// readOnly annotates every tool: they only read the local cache.
var readOnly = &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(false)}

// New returns an MCP server whose tools answer from svc. Serve it with
// Server.Run (see RunStdio) or mcp.NewStreamableHTTPHandler (see
// HTTPHandler); one server may serve any number of sessions.
func New(svc query.Service, opts *Options) *mcp.Server {
	o := *opts.EnsureDefaults()
	s := mcp.NewServer(&mcp.Implementation{Name: o.Name, Version: o.Version}, &mcp.ServerOptions{
		Instructions: instructions,
		Logger:       o.Logger,
	})
	t := &tools{svc: svc, log: o.Logger}

	mcp.AddTool(s, &mcp.Tool{
		Name:  "query_memory",
		Title: "Search memories",
		Description: "Search the cached episodes and patterns by text. Hits are ranked (hybrid by default: " +
			"keyword relevance blended with recency, reward and context) and carry their rows.",
		InputSchema: inputSchema[QueryMemoryInput](nonEmpty("query"), limitOf("limit"),
			oneOf("mode", modes...), oneOf("kind", kinds...)),
		OutputSchema: outputSchema[query.SearchResponse](),
		Annotations:  readOnly,
	}, t.queryMemory)

	mcp.AddTool(s, &mcp.Tool{
		Name:         "get_episode",
		Title:        "Get an episode",
		Description:  "Get one cached episode by id, with its whole row (task, context, steps, outcome, reward, reflection).",
		InputSchema:  inputSchema[GetEpisodeInput](nonEmpty("episode_id")),
		OutputSchema: outputSchema[query.GetResponse](),
		Annotations:  readOnly,
	}, t.getEpisode)

	mcp.AddTool(s, &mcp.Tool{
		Name:         "recent_episodes",
		Title:        "Recent episodes",
		Description:  "List the most recent cached episodes (newest start_time first), optionally filtered.",
		InputSchema:  inputSchema[RecentEpisodesInput](limitOf("limit"), atLeast("since", 0)),
		OutputSchema: outputSchema[query.RecentResponse](),
		Annotations:  readOnly,
	}, t.recentEpisodes)

	mcp.AddTool(s, &mcp.Tool{
		Name:  "search_by_embedding",
		Title: "Search by embedding",
		Description: "Search the cached episodes and patterns by cosine similarity to a query vector. " +
			"The vector's dimension must match a cached embedding model (memory_status lists them).",
		InputSchema: inputSchema[SearchByEmbeddingInput](nonEmpty("embedding"), limitOf("limit"),
			oneOf("kind", kinds...)),
		OutputSchema: outputSchema[query.SearchResponse](),
		Annotations:  readOnly,
	}, t.searchByEmbedding)

	mcp.AddTool(s, &mcp.Tool{
		Name:  "search_patterns",
		Title: "Search patterns",
		Description: "Search the cached patterns by text, ranked by keyword relevance blended with " +
			"recency, success rate and context (hybrid).",
		InputSchema:  inputSchema[SearchPatternsInput](nonEmpty("query"), limitOf("limit")),
		OutputSchema: outputSchema[query.SearchResponse](),
		Annotations:  readOnly,
	}, t.searchPatterns)

	mcp.AddTool(s, &mcp.Tool{
		Name:         "memory_status",
		Title:        "Memory cache status",
		Description:  "Describe the cache: counts per kind, the embedding models and dimensions held, and freshness.",
		InputSchema:  inputSchema[StatusInput](),
		OutputSchema: outputSchema[query.StatusResponse](),
		Annotations:  readOnly,
	}, t.memoryStatus)

	return s
}
