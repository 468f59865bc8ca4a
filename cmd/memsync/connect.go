package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/serve"
)

// natsConn is a connection to --nats; with embed and no --nats it starts
// an embedded JetStream server with its store in <data-dir>/nats.
type natsConn struct {
	url     string // the server's URL (the embedded one's too)
	nc      *nats.Conn
	js      jetstream.JetStream
	srv     *server.Server
	closers []func()
}

// onClose runs f before the connection is drained (services, subscriptions).
func (n *natsConn) onClose(f func()) { n.closers = append(n.closers, f) }

// connect connects to --nats, or without it to the NATS server `run`
// embeds for --data-dir, or with embed to a server it starts. It returns
// while the server is down too (RetryOnFailedConnect): the caller starts,
// and serves its cache, and the connection comes up when the server does.
func (f *natsFlags) connect(log *slog.Logger, embed bool) (*natsConn, error) {
	out := &natsConn{}
	url := f.url
	opts := []nats.Option{nats.Name("memsync"), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(true), // start (and serve the cache) while NATS is down
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("NATS disconnected; retrying", "error", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { log.Info("NATS reconnected") }),
		nats.ErrorHandler(logDistinctErrors(log))}
	if url == "" && !embed {
		if url = f.discovered(); url == "" {
			return nil, usageError(fmt.Errorf("--nats (or NATS_URL) is required: no `memsync run` with an embedded NATS serves %s", *f.dataDir))
		}
	}
	if url == "" {
		srv, err := f.startEmbedded(log, out)
		if err != nil {
			return nil, err
		}
		opts = append(opts, nats.InProcessServer(srv))
		url = srv.ClientURL()
	}
	out.url = url
	auth, err := f.authOptions()
	if err != nil {
		out.close()
		return nil, usageError(err)
	}
	nc, err := nats.Connect(url, append(opts, auth...)...)
	if err != nil {
		out.close()
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	out.nc = nc
	out.js, err = jetstream.New(nc)
	return out, err
}

// startEmbedded starts the embedded server for out and makes it
// discoverable by the other commands of --data-dir.
func (f *natsFlags) startEmbedded(log *slog.Logger, out *natsConn) (*server.Server, error) {
	store := filepath.Join(*f.dataDir, "nats")
	srv, err := startEmbedded(store, "127.0.0.1", -1)
	if err != nil {
		return nil, err
	}
	out.srv = srv
	log.Info("embedded NATS JetStream started", "store", store, "url", srv.ClientURL())
	if remove, err := serve.WriteNATS(*f.dataDir, srv.ClientURL()); err != nil {
		log.Warn("embedded NATS not made discoverable", "error", err)
	} else {
		out.onClose(remove)
	}
	return srv, nil
}

// discovered is the URL of the NATS server a running `memsync run`
// embeds for this data dir ("" when none runs).
func (f *natsFlags) discovered() string {
	url, err := serve.DiscoverNATS(*f.dataDir)
	if err != nil {
		return ""
	}
	return url
}

func (n *natsConn) close() {
	for _, f := range n.closers {
		f()
	}
	if n.nc != nil {
		n.nc.Drain()
		n.nc.Close()
	}
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
	}
}

func startEmbedded(storeDir, host string, port int) (*server.Server, error) {
	return startServer(&server.Options{ServerName: "memsync-embedded", Host: host, Port: port,
		JetStream: true, StoreDir: storeDir, NoSigs: true, NoLog: true})
}

func startServer(opts *server.Options) (*server.Server, error) {
	if err := os.MkdirAll(opts.StoreDir, 0o755); err != nil {
		return nil, err
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("embedded NATS did not start (store %s)", opts.StoreDir)
	}
	return srv, nil
}

// logDistinctErrors logs asynchronous NATS errors (e.g. an authorization
// violation) once per distinct message, not once per reconnect attempt.
func logDistinctErrors(log *slog.Logger) nats.ErrHandler {
	var mu sync.Mutex
	last := ""
	return func(_ *nats.Conn, _ *nats.Subscription, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil && err.Error() != last {
			last = err.Error()
			log.Warn("NATS error", "error", err)
		}
	}
}
