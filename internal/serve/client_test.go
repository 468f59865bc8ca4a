package serve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http/httptrace"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// Every method round-trips through a real socket: the service gets the
// request the caller made, the caller gets the service's answer.
func TestClientRoundTrip(t *testing.T) {
	svc := &fakeService{}
	sock := SocketPath(t.TempDir(), "w")
	startServer(t, svc, &Options{Socket: sock})
	c := dialTest(t, sock, nil)
	ctx := t.Context()
	ep := protocol.EntityEpisode
	search := query.SearchRequest{Text: "retry", SimilarTo: "a/b", Vector: []float32{0.25, -1}, Model: "m", Kind: ep, Mode: "hybrid",
		Limit: 7, Filter: query.Filter{Domain: "d", TaskType: "t", Language: "l", Since: 12}, Explain: true}
	recent := query.RecentRequest{Limit: 4, Filter: query.Filter{Domain: "d w", TaskType: "t&x", Language: "go", Since: 99}}
	tests := []struct {
		name    string
		call    func() (any, error)
		wantReq any
		want    any
	}{
		{"get", func() (any, error) { return c.Get(ctx, query.GetRequest{Kind: ep, ID: "e1"}) }, query.GetRequest{Kind: ep, ID: "e1"}, cannedGet(query.GetRequest{Kind: ep, ID: "e1"})},
		{"recent", func() (any, error) { return c.Recent(ctx, recent) }, recent, cannedRecent()},
		{"recent zero", func() (any, error) { return c.Recent(ctx, query.RecentRequest{}) }, query.RecentRequest{}, cannedRecent()},
		{"search", func() (any, error) { return c.Search(ctx, search) }, search, cannedSearch()},
		{"patterns", func() (any, error) { return c.Patterns(ctx, query.PatternsRequest{Domain: "d", Limit: 3}) }, query.PatternsRequest{Domain: "d", Limit: 3}, cannedPatterns()},
		{"embeddings", func() (any, error) { return c.Embeddings(ctx, query.EmbeddingsRequest{OwnerKind: ep, OwnerID: "x/y"}) },
			query.EmbeddingsRequest{OwnerKind: ep, OwnerID: "x/y"}, cannedEmbeddings(query.EmbeddingsRequest{OwnerID: "x/y"})},
		{"status", func() (any, error) { return c.Status(ctx) }, "status", cannedStatus()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call()
			if err != nil {
				t.Fatal(err)
			}
			if r := svc.last(); !reflect.DeepEqual(r, tt.wantReq) {
				t.Errorf("service got %#v, want %#v", r, tt.wantReq)
			}
			// Compare as JSON: the time zone pointer of as_of differs after decoding.
			if g, w := mustJSON(t, got), mustJSON(t, tt.want); g != w {
				t.Errorf("answer\n got %s\nwant %s", g, w)
			}
		})
	}
}

func TestClientOddIDs(t *testing.T) {
	svc := &fakeService{}
	sock := SocketPath(t.TempDir(), "w")
	startServer(t, svc, &Options{Socket: sock})
	c := dialTest(t, sock, nil)
	for _, id := range []string{"a.b", "a b", "a/b", "/", "a/../b", "..", ".", "ü/日本", "100%", "%41", "a?b#c", "a+b", " "} {
		got, err := c.Get(t.Context(), query.GetRequest{Kind: protocol.EntityPattern, ID: id})
		if err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if got.ID != id || svc.last().(query.GetRequest).ID != id {
			t.Errorf("sent %q, service got %q, answer %q", id, svc.last(), got.ID)
		}
	}
}

// Error answers come back as the query sentinels (and this package's),
// with the server's message and no doubled prefix.
func TestClientErrors(t *testing.T) {
	tests := []struct {
		name   string
		svcErr error
		call   func(*Client) error
		want   error
		msg    string
	}{
		{"not found", nil, func(c *Client) error {
			_, err := c.Get(t.Context(), query.GetRequest{Kind: "episode", ID: "missing"})
			return err
		}, query.ErrNotFound, `query: not in the cache: episode "missing"`},
		{"bad request from the handler", nil, func(c *Client) error {
			_, err := c.Recent(t.Context(), query.RecentRequest{Limit: 101})
			return err
		}, query.ErrBadRequest, "query: bad request: limit 101 is over the maximum 100"},
		{"bad kind", nil, func(c *Client) error {
			_, err := c.Get(t.Context(), query.GetRequest{Kind: "widget", ID: "x"})
			return err
		}, query.ErrBadRequest, `unknown kind "widget"`},
		{"bad request from the service", fmt.Errorf("%w: no text", query.ErrBadRequest), func(c *Client) error {
			_, err := c.Search(t.Context(), query.SearchRequest{})
			return err
		}, query.ErrBadRequest, "query: bad request: no text"},
		{"unavailable", query.ErrUnavailable, func(c *Client) error { _, err := c.Status(t.Context()); return err },
			query.ErrUnavailable, "query: cache is being replaced, retry"},
		{"internal", errors.New("disk on fire"), func(c *Client) error { _, err := c.Status(t.Context()); return err },
			ErrRemote, "serve: server error: HTTP 500: disk on fire"},
		{"too large", nil, func(c *Client) error {
			_, err := c.Search(t.Context(), query.SearchRequest{Text: strings.Repeat("x", DefaultMaxBodyBytes)})
			return err
		}, ErrTooLarge, "serve: too large: request body over 1048576 bytes"},
		{"no route", nil, func(c *Client) error {
			return c.do(t.Context(), "GET", "/v9/x", nil, nil, &struct{}{})
		}, ErrRemote, "HTTP 404"},
		{"method", nil, func(c *Client) error {
			return c.do(t.Context(), "PATCH", "/v1/status", nil, nil, &struct{}{})
		}, ErrRemote, "HTTP 405"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := SocketPath(t.TempDir(), "w")
			startServer(t, &fakeService{err: tt.svcErr}, &Options{Socket: sock})
			err := tt.call(dialTest(t, sock, nil))
			if !errors.Is(err, tt.want) {
				t.Fatalf("%v, want errors.Is %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", err, tt.msg)
			}
			for _, s := range []error{query.ErrBadRequest, query.ErrNotFound, query.ErrUnavailable, ErrTooLarge} {
				if strings.Count(err.Error(), s.Error()) > 1 {
					t.Errorf("doubled prefix: %q", err)
				}
			}
		})
	}
}

func TestClientNoServer(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	_ = ln.Close()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := tcp.Addr().String()
	_ = tcp.Close()
	for name, c := range map[string]*Client{
		"missing socket": dialTest(t, filepath.Join(dir, "none.sock"), nil),
		"stale socket":   dialTest(t, stale, nil),
		"closed port":    dialTest(t, "", &ClientOptions{Addr: closedAddr}),
		"nothing":        dialTest(t, "", nil),
	} {
		if _, err := c.Status(t.Context()); !errors.Is(err, ErrNoServer) {
			t.Errorf("%s: %v, want ErrNoServer", name, err)
		}
	}
}

func TestClientContext(t *testing.T) {
	sock := SocketPath(t.TempDir(), "w")
	startServer(t, &fakeService{}, &Options{Socket: sock})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := dialTest(t, sock, nil).Status(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	ctx, cancel = context.WithTimeout(t.Context(), time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	if _, err := dialTest(t, sock, nil).Status(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
}

func TestResponseErrorNotJSON(t *testing.T) {
	err := responseError(502, []byte("<html>bad gateway</html>"))
	if !errors.Is(err, ErrRemote) || !strings.Contains(err.Error(), "HTTP 502") {
		t.Errorf("%v", err)
	}
	if err := responseError(404, []byte(`{"error":"gone"}`)); !errors.Is(err, query.ErrNotFound) || err.Error() != "query: not in the cache: gone" {
		t.Errorf("404 without a code: %v", err)
	}
	if err := responseError(401, []byte(`{"error":"missing or wrong bearer token","code":"unauthorized"}`)); !errors.Is(err, ErrUnauthorized) || err.Error() != ErrUnauthorized.Error() {
		t.Errorf("401: %q", err)
	}
}

// Requests reuse one kept-alive connection.
func TestClientKeepAlive(t *testing.T) {
	sock := SocketPath(t.TempDir(), "w")
	startServer(t, &fakeService{}, &Options{Socket: sock})
	c := dialTest(t, sock, nil)
	var reused []bool
	ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) },
	})
	for range 3 {
		if _, err := c.Get(ctx, query.GetRequest{Kind: "episode", ID: "e1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Search(ctx, query.SearchRequest{Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if want := []bool{false, true, true, true, true, true}; !reflect.DeepEqual(reused, want) {
		t.Errorf("connection reuse %v, want %v", reused, want)
	}
}
