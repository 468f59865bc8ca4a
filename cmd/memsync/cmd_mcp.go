package main

import (
	"context"
	"runtime/debug"

	"github.com/memsync/memsync/internal/mcpserver"
)

// mcpArgs is the command line of mcp.
type mcpArgs struct {
	*commandLine
	read readFlags
}

func parseMCP(args []string) (*mcpArgs, error) {
	a := &mcpArgs{commandLine: newCommandLine("mcp")}
	a.use(&a.read)
	return a, a.parse(args)
}

// runMCP serves the cache's read API as MCP tools on stdin/stdout: each
// call through the running worker's endpoint, or on the cache opened
// read-only for that call when no worker runs (sessionReader). Logs go to
// stderr; stdout carries only the protocol.
func runMCP(ctx context.Context, args []string) error {
	a, err := parseMCP(args)
	if err != nil {
		return err
	}
	log := a.logger() // stderr: stdout carries only the protocol
	if err := a.read.cacheOrWorker(); err != nil {
		return readExit(err)
	}
	log.Debug("MCP server on stdio", "worker", a.read.worker)
	return mcpserver.RunStdio(ctx, newSessionReader(&a.read), &mcpserver.Options{Version: version(), Logger: log.With("component", "mcp")})
}

// version is the module version the binary was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
