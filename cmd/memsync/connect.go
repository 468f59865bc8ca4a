package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/serve"
	"github.com/memsync/memsync/internal/turso"
)

func (c *common) openTurso(ctx context.Context) (*turso.DB, error) {
	target := c.tursoTarget()
	if strings.HasPrefix(target, "file:") {
		if err := os.MkdirAll(filepath.Dir(strings.TrimPrefix(target, "file:")), 0o755); err != nil {
			return nil, err
		}
	}
	return turso.OpenAndPing(ctx, target, c.tursoToken)
}

// openTursoLazy opens without connecting: the changefeed starts while Turso
// is unreachable and retries with backoff.
func (c *common) openTursoLazy(ctx context.Context) (*turso.DB, error) {
	return turso.Open(ctx, c.tursoTarget(), c.tursoToken)
}

// natsConn connects to --nats; with embed and no --nats it starts an
// embedded JetStream server with its store in <data-dir>/nats.
type natsConn struct {
	url     string // the server's URL (the embedded one's too)
	nc      *nats.Conn
	js      jetstream.JetStream
	srv     *server.Server
	closers []func()
}

// onClose runs f before the connection is drained (services, subscriptions).
func (n *natsConn) onClose(f func()) { n.closers = append(n.closers, f) }

func (c *common) connectNATS(log *slog.Logger, embed bool) (*natsConn, error) {
	out := &natsConn{}
	url := c.natsURL
	opts := []nats.Option{nats.Name("memsync"), nats.MaxReconnects(-1), nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(true), // start (and serve the cache) while NATS is down
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("NATS disconnected; retrying", "error", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { log.Info("NATS reconnected") }),
		nats.ErrorHandler(onceErrors(log))}
	if url == "" && !embed {
		if url = c.discoveredNATS(); url == "" {
			return nil, &exitError{2, fmt.Errorf("--nats (or NATS_URL) is required: no `memsync run` with an embedded NATS serves %s", c.dataDir)}
		}
	}
	if url == "" {
		srv, err := startEmbedded(filepath.Join(c.dataDir, "nats"), "127.0.0.1", -1)
		if err != nil {
			return nil, err
		}
		out.srv = srv
		opts = append(opts, nats.InProcessServer(srv))
		url = srv.ClientURL()
		log.Info("embedded NATS JetStream started", "store", filepath.Join(c.dataDir, "nats"), "url", url)
		if remove, err := serve.WriteNATS(c.dataDir, url); err != nil {
			log.Warn("embedded NATS not made discoverable", "error", err)
		} else {
			out.onClose(remove)
		}
	}
	out.url = url
	auth, err := c.natsAuth()
	if err != nil {
		out.close()
		return nil, &exitError{2, err}
	}
	opts = append(opts, auth...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		out.close()
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	out.nc = nc
	out.js, err = jetstream.New(nc)
	return out, err
}

// discoveredNATS is the URL of the NATS server a running `memsync run`
// embeds for this data dir ("" when none runs).
func (c *common) discoveredNATS() string {
	url, err := serve.DiscoverNATS(c.dataDir)
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

// storeOptions are the options of a cache this command writes; it waits a
// moment for a read command that holds the cache briefly.
func (c *common) storeOptions() *cachestore.Options {
	return &cachestore.Options{MaxEpisodes: c.maxEpisodes, NoPatterns: c.noPatterns, NoEmbeddings: c.noEmbeddings, LockWait: lockWait}
}

// lockWait covers a read command's read-only open (milliseconds, seconds
// for a search that builds the index of a large cache).
const lockWait = 5 * time.Second

func (c *common) openCache() (*cachestore.Store, error) {
	dir := c.cachePath()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	return cachestore.Open(dir, c.storeOptions())
}

// natsAuth turns the credential flags into connect options: a credentials
// file, an nkey seed, user/password, a token, and TLS (CA, client cert/key).
func (c *common) natsAuth() ([]nats.Option, error) {
	var opts []nats.Option
	if c.natsCreds != "" {
		opts = append(opts, nats.UserCredentials(c.natsCreds))
	}
	if c.natsNkey != "" {
		o, err := nats.NkeyOptionFromSeed(c.natsNkey)
		if err != nil {
			return nil, fmt.Errorf("--nats-nkey: %v", err)
		}
		opts = append(opts, o)
	}
	if c.natsUser != "" {
		opts = append(opts, nats.UserInfo(c.natsUser, c.natsPassword))
	}
	if c.natsToken != "" {
		opts = append(opts, nats.Token(c.natsToken))
	}
	if c.natsCA != "" {
		opts = append(opts, nats.RootCAs(c.natsCA))
	}
	if c.natsCert != "" {
		opts = append(opts, nats.ClientCert(c.natsCert, c.natsKey))
	}
	return opts, nil
}

// onceErrors logs asynchronous NATS errors (e.g. an authorization
// violation) once per distinct message, not once per reconnect attempt.
func onceErrors(log *slog.Logger) nats.ErrHandler {
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
