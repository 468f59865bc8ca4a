package mcpserver

import (
	"context"
	"errors"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memsync/memsync/internal/query"
)

// RunStdio serves one MCP session on stdin/stdout until the client closes
// stdin (nil) or ctx ends (nil: a requested shutdown is not a failure).
// At the end of stdin, every call already read is answered before the
// session ends. Stdout carries only the protocol: log to stderr.
func RunStdio(ctx context.Context, svc query.Service, opts *Options) error {
	return serve(ctx, svc, opts, &mcp.StdioTransport{})
}

// serve runs one session on t (RunStdio's body, for tests).
func serve(ctx context.Context, svc query.Service, opts *Options, t mcp.Transport) error {
	err := New(svc, opts).Run(ctx, &drainingTransport{inner: t, limit: drainLimit})
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}

// HTTPHandler serves MCP over streamable HTTP, one server shared by every
// session. Mount it where clients expect it (e.g. /mcp). The SDK's DNS
// rebinding protection stays on: a request that reaches a loopback address
// with a non-loopback Host header is refused (403).
func HTTPHandler(svc query.Service, opts *Options) http.Handler {
	o := *opts.EnsureDefaults()
	s := New(svc, &o)
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, &mcp.StreamableHTTPOptions{
		Logger:         o.Logger,
		SessionTimeout: o.SessionTimeout,
	})
}
