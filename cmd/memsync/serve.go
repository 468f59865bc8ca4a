package main

import (
	"context"
	"log/slog"
	"net/http"

	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/internal/mcpserver"
	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/internal/serve"
	"github.com/memsync/memsync/internal/supervisor"
)

// serveFlags are for the commands that hold a cache (run, worker): how
// they serve it to agents.
type serveFlags struct {
	endpoint endpointFlags
	noServe  bool
}

func (f *serveFlags) register(cl *commandLine) {
	f.endpoint.register(cl, endpointHelp{
		addr:      "also serve the read API and MCP (/mcp) on this TCP address (loopback unless --serve-token)",
		token:     "bearer token required on --serve-addr (env MEMSYNC_SERVE_TOKEN; never logged)",
		tokenFile: "file holding the --serve-addr bearer token",
	})
	cl.fs.BoolVar(&f.noServe, "no-serve", false, "do not serve the cache (no socket in <data-dir>/serve)")
}

func (f *serveFlags) check() error { return f.endpoint.loadToken() }

// reads is the read side of a process that holds a cache: the query
// service the supervisor attaches each opened cache to, and its server.
type reads struct {
	local *query.Local
	srv   *serve.Server
}

// newReads prepares serving the cache of worker under dataDir (nil with
// --no-serve); the address and token are checked here, before anything
// starts.
func (f *serveFlags) newReads(dataDir, worker, natsURL string, log *slog.Logger) (*reads, error) {
	if f.noServe {
		return nil, nil
	}
	local := query.NewLocal(&query.LocalOptions{Worker: worker})
	mcpOpts := &mcpserver.Options{Version: version(), Logger: log}
	srv, err := serve.New(local, &serve.Options{Socket: serve.SocketPath(dataDir, worker), Addr: f.endpoint.addr,
		Token: f.endpoint.token, Logger: log, Extra: map[string]http.Handler{"/mcp": mcpserver.HTTPHandler(local, mcpOpts)},
		Discovery: serve.DiscoveryPath(dataDir, worker), Worker: worker, NATSURL: natsURL})
	if err != nil {
		return nil, usageError(err)
	}
	return &reads{local: local, srv: srv}, nil
}

// attach makes the supervisor hand its caches to the read side.
func (r *reads) attach(cfg *supervisor.Options) {
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
