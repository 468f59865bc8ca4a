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
// Stdout carries only the protocol: log to stderr.
func RunStdio(ctx context.Context, svc query.Service, opts *Options) error {
	err := New(svc, opts).Run(ctx, &mcp.StdioTransport{})
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
