package main

import (
	"context"
	"log/slog"
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/internal/mcpserver"
	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/serve"
)

// serveFlags are for the commands that hold a cache (run, worker): how
// they serve it to agents.
func (c *common) serveFlags() {
	c.fs.StringVar(&c.serveAddr, "serve-addr", "", "also serve the read API and MCP (/mcp) on this TCP address (loopback unless --serve-token)")
	c.fs.StringVar(&c.serveToken, "serve-token", "", "bearer token required on --serve-addr (env MEMSYNC_SERVE_TOKEN; never logged)")
	c.fs.StringVar(&c.serveTokenFile, "serve-token-file", "", "file holding the --serve-addr bearer token")
	c.fs.BoolVar(&c.noServe, "no-serve", false, "do not serve the cache (no socket in <data-dir>/serve)")
}

// reads is the read side of a process that holds a cache: the query
// service the supervisor attaches each opened cache to, and its server.
type reads struct {
	local *query.Local
	srv   *serve.Server
}

// newReads prepares serving (nil with --no-serve); the address and token
// are checked here, before anything starts.
func (c *common) newReads(log *slog.Logger, natsURL string) (*reads, error) {
	if c.noServe {
		return nil, nil
	}
	local := query.NewLocal(&query.LocalOptions{Worker: c.workerName})
	mcpOpts := &mcpserver.Options{Version: version(), Logger: log}
	srv, err := serve.New(local, &serve.Options{Socket: serve.SocketPath(c.dataDir, c.workerName), Addr: c.serveAddr,
		Token: c.serveToken, Logger: log, Extra: map[string]http.Handler{"/mcp": mcpserver.HTTPHandler(local, mcpOpts)},
		Discovery: serve.DiscoveryPath(c.dataDir, c.workerName), Worker: c.workerName, NATSURL: natsURL})
	if err != nil {
		return nil, &exitError{2, err}
	}
	return &reads{local: local, srv: srv}, nil
}

// attach makes the supervisor hand its caches to the read side.
func (r *reads) attach(cfg *rebuild.Config) {
	if r != nil {
		cfg.Serve = r.local
	}
}

// run serves until ctx is done.
func (r *reads) run(ctx context.Context, g *errgroup.Group) {
	if r == nil {
		return
	}
	g.Go(func() error { return r.srv.Run(ctx) }) // logs where it listens
}
