// Package query answers agents' reads of one cache: get an entity by id,
// the most recent episodes (with filters), patterns, an owner's
// embeddings, keyword/vector/hybrid search, and status. Every answer
// carries its freshness (applied version, Turso head, lag, stale, as of).
//
// Service is the one read API. Local implements it over the cache this
// process holds (a worker's live cache, or a cache opened read-only by a
// CLI command when no worker runs); internal/serve carries it over HTTP on
// a unix socket (its Client implements Service too), and internal/mcpserver
// exposes it as MCP tools. The CLI, the HTTP endpoint and the MCP server
// therefore give the same answers in the same JSON.
//
// Lifecycle: NewLocal, then Attach a cache (store, retrieval index, health)
// and Detach it before the store is closed or swapped; Detach waits for
// in-flight requests, and requests while nothing is attached fail with
// ErrUnavailable ("cache is being replaced, retry"). A session that
// outlives its calls with no worker running (mcp) uses a Reopener: the
// cache opened read-only for each call, the index kept while the cache is
// unchanged (invariant 7.5).
//
// Invariants:
//   - every request reads one Pebble snapshot (cachestore.View): a list is
//     never cut short or mixed by a concurrent apply;
//   - reads never touch the network (invariant 7 of docs/design.md);
//   - a request never reaches a closed store: Detach waits for it.
package query
