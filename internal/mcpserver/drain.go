package mcpserver

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// drainLimit bounds how long a session whose client closed its input waits
// for the calls it had sent: a tool answers in milliseconds, so only a
// handler that never returns reaches it.
const drainLimit = 30 * time.Second

// drainingTransport wraps a transport whose end of input ends the session
// (stdio). The SDK ends a session at the reader's EOF and cancels the
// calls still being handled, so a client that writes its requests and
// closes stdin at once (`printf ... | memsync mcp`) lost every answer but
// the first. Its connection holds EOF back until every call it has read
// was answered.
type drainingTransport struct {
	inner mcp.Transport
	limit time.Duration
}

func (t *drainingTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := t.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &drainingConn{Connection: c, limit: t.limit, pending: map[jsonrpc.ID]struct{}{},
		changed: make(chan struct{}), closed: make(chan struct{})}, nil
}

// drainingConn tracks the calls read and not yet answered.
type drainingConn struct {
	mcp.Connection
	limit time.Duration

	mu      sync.Mutex
	pending map[jsonrpc.ID]struct{} // calls read, not answered
	changed chan struct{}           // closed and replaced when pending shrinks
	once    sync.Once
	closed  chan struct{} // closed by Close
}

// Read passes messages through, noting every call. At the end of input it
// returns only once no call is pending (or the connection closed, ctx
// ended, or the limit passed).
func (c *drainingConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	msg, err := c.Connection.Read(ctx)
	if err == nil {
		if req, ok := msg.(*jsonrpc.Request); ok && req.IsCall() {
			c.mu.Lock()
			c.pending[req.ID] = struct{}{}
			c.mu.Unlock()
		}
		return msg, nil
	}
	if errors.Is(err, io.EOF) {
		c.drain(ctx)
	}
	return nil, err
}

// Write passes messages through; a response retires its call (also when
// the write failed: nothing more will answer it).
func (c *drainingConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	err := c.Connection.Write(ctx, msg)
	if resp, ok := msg.(*jsonrpc.Response); ok {
		c.mu.Lock()
		if _, ok := c.pending[resp.ID]; ok {
			delete(c.pending, resp.ID)
			close(c.changed)
			c.changed = make(chan struct{})
		}
		c.mu.Unlock()
	}
	return err
}

func (c *drainingConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Connection.Close()
}

// drain waits until no call is pending.
func (c *drainingConn) drain(ctx context.Context) {
	limit := time.NewTimer(c.limit)
	defer limit.Stop()
	for {
		c.mu.Lock()
		n, changed := len(c.pending), c.changed
		c.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-changed:
		case <-c.closed:
			return
		case <-ctx.Done():
			return
		case <-limit.C:
			return
		}
	}
}
