package main

import (
	"context"
	"path/filepath"
)

// natsArgs is the command line of nats.
type natsArgs struct {
	*commandLine
	server natsServerFlags
	memory memoryFlags
}

func parseNATS(args []string) (*natsArgs, error) {
	a := &natsArgs{commandLine: newCommandLine("nats")}
	a.use(&a.server, &a.memory)
	return a, a.parse(args)
}

// runNATS runs a NATS JetStream server with its store in <data-dir>/nats
// until ctx is done.
func runNATS(ctx context.Context, args []string) error {
	a, err := parseNATS(args)
	if err != nil {
		return err
	}
	log := a.logger()
	a.memory.apply(log)
	opts, err := a.server.options(filepath.Join(a.dataDir, "nats"))
	if err != nil {
		return usageError(err)
	}
	srv, err := startServer(opts)
	if err != nil {
		return err
	}
	log.Info("NATS JetStream server running", "url", srv.ClientURL(), "store", opts.StoreDir, "server", opts.ServerName, "cluster", opts.Cluster.Name)
	<-ctx.Done()
	srv.Shutdown()
	srv.WaitForShutdown()
	return nil
}
