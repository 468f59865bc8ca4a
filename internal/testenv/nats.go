package testenv

import (
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NATS is a real in-process JetStream server.
type NATS struct {
	t      testing.TB
	srv    *server.Server
	dir    string
	port   int
	adjust func(*server.Options)
}

// StartNATS starts a JetStream server on 127.0.0.1 with a temp store dir.
func StartNATS(t testing.TB) *NATS { return StartNATSWith(t, nil) }

// StartNATSWith starts a server after adjust changed its options.
func StartNATSWith(t testing.TB, adjust func(*server.Options)) *NATS {
	t.Helper()
	n := &NATS{t: t, dir: t.TempDir(), port: -1, adjust: adjust}
	n.start()
	t.Cleanup(n.Stop)
	return n
}

func (n *NATS) start() {
	opts := &server.Options{Host: "127.0.0.1", Port: n.port, JetStream: true, StoreDir: n.dir, NoLog: true, NoSigs: true}
	if n.adjust != nil {
		n.adjust(opts)
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		n.t.Fatalf("nats server: %v", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		n.t.Fatal("nats server not ready")
	}
	n.srv = srv
	n.port = srv.Addr().(*net.TCPAddr).Port
}

// Stop shuts the server down (idempotent).
func (n *NATS) Stop() {
	if n.srv != nil {
		n.srv.Shutdown()
		n.srv.WaitForShutdown()
		n.srv = nil
	}
}

// Restart stops the server and starts it again on the same port and store.
func (n *NATS) Restart() {
	n.Stop()
	n.start()
}

// Connect returns a client connection that reconnects forever, closed at cleanup.
func (n *NATS) Connect(t testing.TB) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(n.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return nc, js
}

// ClientURL is nats://127.0.0.1:<port>.
func (n *NATS) ClientURL() string { return n.srv.ClientURL() }
