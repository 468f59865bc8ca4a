package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/memsync/memsync/internal/query"
)

// shutdownGrace is how long in-flight requests get once Run's context is
// done; then their contexts are canceled and connections closed.
const shutdownGrace = 2 * time.Second

// Options configures a Server.
type Options struct {
	Socket    string                  // unix socket path (SocketPath); "" = none
	Addr      string                  // loopback TCP address (or any, with Token); "" = none
	Token     string                  // bearer token required on Addr (never on the socket)
	Logger    *slog.Logger            // nil discards
	Extra     map[string]http.Handler // mounted on both listeners (e.g. "/mcp")
	Discovery string                  // discovery file to write (DiscoveryPath); "" = none
	Worker    string                  // recorded in the discovery file
	NATSURL   string                  // optional, recorded in the discovery file
}

// Server serves a query.Service on a unix socket and, optionally, TCP.
type Server struct {
	svc   query.Service
	opts  Options
	log   *slog.Logger
	ready chan struct{}
	once  sync.Once

	mu     sync.Mutex // guards socket and addr, set before ready is closed
	socket string
	addr   string
}

// New validates opts: something to listen on, Extra prefixes, a token
// usable in a header, and an Addr that is loopback (127.0.0.0/8, ::1,
// localhost) unless a token is set (ErrInsecureAddr).
func New(svc query.Service, opts *Options) (*Server, error) {
	if svc == nil {
		return nil, fmt.Errorf("%w: nil query.Service", ErrOptions)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Socket == "" && o.Addr == "" {
		return nil, fmt.Errorf("%w: neither a socket nor an address to listen on", ErrOptions)
	}
	if strings.ContainsFunc(o.Token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, fmt.Errorf("%w: the serve token contains whitespace or control characters", ErrOptions)
	}
	if err := ValidateExtra(o.Extra); err != nil {
		return nil, err
	}
	if o.Addr != "" {
		if err := checkAddr(o.Addr, o.Token != ""); err != nil {
			return nil, err
		}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{svc: svc, opts: o, log: log, ready: make(chan struct{})}, nil
}

// checkAddr accepts host:port with a loopback host, or any host with a token.
func checkAddr(addr string, token bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: serve address %q: %v", ErrOptions, addr, err)
	}
	if token || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("%w: %q is not a loopback address (127.0.0.0/8, ::1, localhost); serving it needs --serve-token or --serve-token-file", ErrInsecureAddr, addr)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Ready is closed once Run listens (and has written the discovery file).
// If Run fails first it is never closed: wait on Run's result too.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Addr is the TCP address listened on (the port resolved for ":0"), "" if
// none or before Ready.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Socket is the unix socket listened on, "" if none or before Ready.
func (s *Server) Socket() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.socket
}

// Run listens, serves until ctx is done, shuts down (in-flight requests get
// shutdownGrace), removes the discovery file and the socket, and returns
// after every goroutine it started has exited. A Server runs once.
func (s *Server) Run(ctx context.Context) error {
	err := errors.New("serve: Server.Run called twice")
	s.once.Do(func() { err = s.run(ctx) })
	return err
}

func (s *Server) run(ctx context.Context) error {
	lns, err := s.listen()
	if err != nil {
		return err
	}
	// Handlers see baseCtx: canceled when the grace period is over, so that
	// long requests (streams under Extra) end and Run can return.
	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	var running inflight
	errLog := slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
	servers := make([]*http.Server, len(lns))
	for i, l := range lns {
		servers[i] = &http.Server{
			Handler:           running.track(l.handler),
			ReadHeaderTimeout: 5 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          errLog,
			BaseContext:       func(net.Listener) context.Context { return baseCtx },
		}
	}
	if s.opts.Discovery != "" {
		info := Info{PID: os.Getpid(), Worker: s.opts.Worker, Socket: s.Socket(), Addr: s.Addr(),
			NATSURL: s.opts.NATSURL, Started: time.Now().UTC().Truncate(time.Second)}
		raw, err := writeDiscovery(s.opts.Discovery, info)
		if err != nil {
			closeAll(lns)
			return err
		}
		defer removeIf(s.opts.Discovery, raw)
	}

	errc := make(chan error, len(servers))
	var serving sync.WaitGroup
	for i, srv := range servers {
		serving.Go(func() { // awaited below on every path
			if err := srv.Serve(lns[i].ln); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serve: serving %s: %w", lns[i].name, err)
			}
		})
	}
	s.log.Info("serve: listening", "socket", s.Socket(), "addr", s.Addr(), "token", s.opts.Token != "")
	close(s.ready)

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	s.shutdown(servers, cancelBase)
	serving.Wait()
	running.wait()
	s.log.Info("serve: stopped", "socket", s.Socket(), "addr", s.Addr())
	return runErr
}

// shutdown stops every server gracefully, forcefully after shutdownGrace.
func (s *Server) shutdown(servers []*http.Server, cancelBase context.CancelFunc) {
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Go(func() {
			if err := srv.Shutdown(sctx); err != nil {
				cancelBase()
				_ = srv.Close()
			}
		})
	}
	wg.Wait()
}
