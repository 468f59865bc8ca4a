package serve

import (
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/memsync/memsync/internal/query"
)

// listener is one listening socket and the handler served on it.
type listener struct {
	ln      net.Listener
	name    string
	handler http.Handler
}

// listen opens the unix socket and the TCP address.
func (s *Server) listen() ([]listener, error) {
	var lns []listener
	if s.opts.Socket != "" {
		ln, err := listenUnix(s.opts.Socket)
		if err != nil {
			return nil, err
		}
		h := Handler(s.svc, &HandlerOptions{Extra: s.opts.Extra, Logger: s.log})
		lns = append(lns, listener{ln: ln, name: s.opts.Socket, handler: h})
	}
	if s.opts.Addr != "" {
		ln, err := net.Listen("tcp", s.opts.Addr)
		if err != nil {
			closeAll(lns)
			return nil, fmt.Errorf("serve: listening on %s: %w", s.opts.Addr, err)
		}
		h := Handler(s.svc, &HandlerOptions{Token: s.opts.Token, Extra: s.opts.Extra, Logger: s.log})
		lns = append(lns, listener{ln: ln, name: ln.Addr().String(), handler: h})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range lns {
		if l.ln.Addr().Network() == "unix" {
			s.socket = s.opts.Socket
		} else {
			s.addr = l.name
		}
	}
	return lns, nil
}

func closeAll(lns []listener) {
	for _, l := range lns {
		_ = l.ln.Close() // a unix listener unlinks its socket
	}
}

// inflight counts running handlers so Run can wait for them; once closed
// it refuses new ones (a request read just as connections are closed).
type inflight struct {
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
}

func (f *inflight) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.RLock()
		if f.closed {
			f.mu.RUnlock()
			writeError(w, r, fmt.Errorf("%w (the server is shutting down)", query.ErrUnavailable))
			return
		}
		f.wg.Add(1)
		f.mu.RUnlock()
		defer f.wg.Done()
		h.ServeHTTP(w, r)
	})
}

// wait refuses new handlers and waits for the running ones.
func (f *inflight) wait() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.wg.Wait()
}
