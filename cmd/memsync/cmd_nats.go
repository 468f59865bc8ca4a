package main

import (
	"context"
	"path/filepath"
)

func runNATS(ctx context.Context, args []string) error {
	c := newFlags("nats")
	o := natsServerFlags{}
	c.fs.StringVar(&o.listen, "listen", "127.0.0.1:4222", "HOST:PORT for clients")
	c.fs.StringVar(&o.config, "config", "", "nats-server configuration file (accounts, users, permissions); the flags override its listen, store and cluster settings")
	c.fs.StringVar(&o.name, "server-name", "", "server name (required in a cluster)")
	c.fs.StringVar(&o.cluster, "cluster-name", "memsync", "cluster name")
	c.fs.StringVar(&o.clusterListen, "cluster-listen", "", "HOST:PORT for cluster routes (enables clustering)")
	c.fs.StringVar(&o.routes, "routes", "", "comma-separated nats-route://HOST:PORT of the other nodes")
	if err := c.parse(args); err != nil {
		return err
	}
	log := c.logger()
	opts, err := o.options(filepath.Join(c.dataDir, "nats"))
	if err != nil {
		return &exitError{2, err}
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
