package main

import (
	"fmt"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
)

// natsServerFlags configure `memsync nats`, standalone or as a cluster node.
type natsServerFlags struct {
	listen, config, name, cluster, clusterListen, routes string
}

func (f *natsServerFlags) register(cl *commandLine) {
	cl.fs.StringVar(&f.listen, "listen", "127.0.0.1:4222", "HOST:PORT for clients")
	cl.fs.StringVar(&f.config, "config", "", "nats-server configuration file (accounts, users, permissions); the flags override its listen, store and cluster settings")
	cl.fs.StringVar(&f.name, "server-name", "", "server name (required in a cluster)")
	cl.fs.StringVar(&f.cluster, "cluster-name", "memsync", "cluster name")
	cl.fs.StringVar(&f.clusterListen, "cluster-listen", "", "HOST:PORT for cluster routes (enables clustering)")
	cl.fs.StringVar(&f.routes, "routes", "", "comma-separated nats-route://HOST:PORT of the other nodes")
}

func (f natsServerFlags) options(storeDir string) (*server.Options, error) {
	opts := &server.Options{}
	if f.config != "" {
		var err error
		if opts, err = server.ProcessConfigFile(f.config); err != nil {
			return nil, fmt.Errorf("--config %s: %v", f.config, err)
		}
	}
	host, port, err := splitHostPort(f.listen)
	if err != nil {
		return nil, err
	}
	opts.Host, opts.Port, opts.JetStream, opts.StoreDir, opts.NoSigs = host, port, true, storeDir, true
	opts.ServerName = f.name
	return opts, f.clusterOptions(opts)
}

func (f natsServerFlags) clusterOptions(opts *server.Options) error {
	if f.clusterListen == "" {
		return nil
	}
	if f.name == "" {
		return fmt.Errorf("--server-name is required with --cluster-listen")
	}
	host, port, err := splitHostPort(f.clusterListen)
	if err != nil {
		return fmt.Errorf("--cluster-listen: %v", err)
	}
	opts.Cluster.Name, opts.Cluster.Host, opts.Cluster.Port = f.cluster, host, port
	if f.routes != "" {
		opts.Routes = server.RoutesFromStr(strings.ReplaceAll(f.routes, " ", ""))
	}
	return nil
}
