// Package serve carries query.Service to agents on the same host: an
// HTTP/JSON endpoint on a unix socket (and optionally a loopback TCP
// address), its Client (which implements query.Service, so the CLI and the
// MCP server give the same answers whether they hold the cache or not), and
// the discovery files other memsync commands use to find a running server
// (and the NATS server `memsync run` embeds) from --data-dir and --worker.
//
// Routes (all JSON; see Handler):
//
//	GET  /v1/get/{kind}/{id...}                 query.GetResponse
//	GET  /v1/recent?limit&domain&task_type&language&since
//	GET  /v1/patterns?domain&limit
//	GET  /v1/embeddings/{owner_kind}/{owner_id...}
//	POST /v1/search  (body: query.SearchRequest; GET with ?q=... for curl)
//	GET  /v1/status
//
// Errors are {"error": message, "code": code} with code not_found (404),
// bad_request (400), unauthorized (401), too_large (413), unavailable (503),
// internal (500), no_route (404: no such path) or method_not_allowed (405).
// The Client maps them back to query.ErrNotFound, query.ErrBadRequest,
// query.ErrUnavailable and this package's sentinels.
//
// Lifecycle: New validates Options; Run prepares the socket directory
// (0700), refuses a socket a live server answers on (ErrInUse), removes a
// stale one, listens (socket 0600), writes the discovery file, closes Ready,
// serves until its context is done, then shuts down gracefully, removes the
// discovery file and the socket, and returns after every goroutine it
// started has exited.
//
// Invariants:
//   - the bearer token is compared in constant time and never appears in a
//     log line, an error or a response; request headers are never logged;
//   - TCP is served on a non-loopback address only with a token; the unix
//     socket needs no token (its 0700 directory and 0600 mode protect it);
//   - responses are the query types exactly as encoding/json marshals them;
//   - a discovery file is trusted only when its process is alive and its
//     socket answers; a stale one is reported (ErrStale) and removed.
package serve
