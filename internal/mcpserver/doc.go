// Package mcpserver exposes a cache's read API (query.Service) to coding
// agents as an MCP server, built on the official Go SDK
// (github.com/modelcontextprotocol/go-sdk).
//
// It owns the six read-only tools (query_memory, get_episode,
// recent_episodes, search_by_embedding, search_patterns, memory_status):
// their typed inputs, whose JSON schemas agents read and the SDK validates
// before a handler runs; the mapping of each input to one query.Service
// call; and a short text rendering of each answer for agents that read only
// text. It is an adapter: it holds no cache, no state and no goroutines of
// its own, and it never touches the network beyond the transport it is
// given.
//
// Lifecycle: New builds an *mcp.Server with the tools registered; serve it
// with RunStdio (one session on stdin/stdout, returns when the client
// closes stdin, once every call read before it is answered, or when ctx
// ends) or mount HTTPHandler (streamable HTTP, one
// server shared by every session; idle sessions close after
// Options.SessionTimeout).
//
// Invariants:
//   - every tool's structured result is the query response type itself
//     (query.SearchResponse, GetResponse, RecentResponse, StatusResponse),
//     so it is the same JSON as the CLI's --json and the HTTP endpoint
//     (the SDK re-encodes it through a map: object keys come back sorted);
//   - the output schemas are derived from those types, with each row
//     (json.RawMessage) described as a JSON object;
//   - every failure of a call (invalid arguments, not found, bad request,
//     cache unavailable, anything else) is a tool result with IsError set
//     and a message the agent can act on, never a protocol error;
//   - tools only read: each is annotated read-only, idempotent and closed
//     world;
//   - the end of stdin ends a session only after every call read before it
//     was answered (drain.go; the SDK alone cancels them), bounded by
//     drainLimit for a handler that never returns.
package mcpserver
