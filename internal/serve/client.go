package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/memsync/memsync/internal/query"
)

// DefaultTimeout bounds one Client request (ClientOptions.Timeout).
const DefaultTimeout = 10 * time.Second

// ClientOptions configures Dial.
type ClientOptions struct {
	Addr    string        // TCP host:port instead of the socket
	Token   string        // sent as "Authorization: Bearer <token>"
	Timeout time.Duration // per request; 0 = DefaultTimeout
}

// Client is query.Service over the endpoint. It keeps connections alive
// between requests; Close releases the idle ones. Safe for concurrent use.
type Client struct {
	hc     *http.Client
	tr     *http.Transport
	base   string
	token  string
	target string // for errors: the socket or address
}

var _ query.Service = (*Client)(nil)

// Dial returns a Client of the server on socket (or on opts.Addr over TCP).
// It does not connect: a server that is not running is reported by the
// first request as an error wrapping ErrNoServer.
func Dial(socket string, opts *ClientOptions) *Client {
	var o ClientOptions
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	d := &net.Dialer{Timeout: o.Timeout}
	tr := &http.Transport{
		MaxIdleConns:        32,
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     time.Minute, // below the server's IdleTimeout
		DisableCompression:  true,
		Proxy:               nil, // never a proxy: the endpoint is local
	}
	c := &Client{tr: tr, token: o.Token}
	if o.Addr != "" {
		tr.DialContext = d.DialContext
		c.base, c.target = "http://"+o.Addr, o.Addr
	} else {
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			if socket == "" {
				return nil, fmt.Errorf("%w: no socket or address to dial", ErrNoServer)
			}
			return d.DialContext(ctx, "unix", socket)
		}
		c.base, c.target = "http://memsync", socket
	}
	c.hc = &http.Client{Transport: tr, Timeout: o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return c
}

// Close closes idle connections. The Client stays usable.
func (c *Client) Close() error {
	c.tr.CloseIdleConnections()
	return nil
}

// Get implements query.Service.
func (c *Client) Get(ctx context.Context, r query.GetRequest) (*query.GetResponse, error) {
	if _, err := ParseGet(string(r.Kind), r.ID); err != nil {
		return nil, err
	}
	var out query.GetResponse
	return &out, c.do(ctx, http.MethodGet, "/v1/get/"+escapeSegment(string(r.Kind))+"/"+escapeSegment(r.ID), nil, nil, &out)
}

// Recent implements query.Service.
func (c *Client) Recent(ctx context.Context, r query.RecentRequest) (*query.RecentResponse, error) {
	var out query.RecentResponse
	return &out, c.do(ctx, http.MethodGet, "/v1/recent", RecentValues(r), nil, &out)
}

// Search implements query.Service (POST /v1/search).
func (c *Client) Search(ctx context.Context, r query.SearchRequest) (*query.SearchResponse, error) {
	var out query.SearchResponse
	return &out, c.do(ctx, http.MethodPost, "/v1/search", nil, r, &out)
}

// Patterns implements query.Service.
func (c *Client) Patterns(ctx context.Context, r query.PatternsRequest) (*query.PatternsResponse, error) {
	var out query.PatternsResponse
	return &out, c.do(ctx, http.MethodGet, "/v1/patterns", PatternsValues(r), nil, &out)
}

// Embeddings implements query.Service.
func (c *Client) Embeddings(ctx context.Context, r query.EmbeddingsRequest) (*query.EmbeddingsResponse, error) {
	if _, err := ParseEmbeddings(string(r.OwnerKind), r.OwnerID); err != nil {
		return nil, err
	}
	var out query.EmbeddingsResponse
	path := "/v1/embeddings/" + escapeSegment(string(r.OwnerKind)) + "/" + escapeSegment(r.OwnerID)
	return &out, c.do(ctx, http.MethodGet, path, nil, nil, &out)
}

// Status implements query.Service.
func (c *Client) Status(ctx context.Context) (*query.StatusResponse, error) {
	var out query.StatusResponse
	return &out, c.do(ctx, http.MethodGet, "/v1/status", nil, nil, &out)
}

// RecentValues is the query string of r (the inverse of ParseRecent).
func RecentValues(r query.RecentRequest) url.Values {
	v := filterValues(r.Filter)
	if r.Limit != 0 {
		v.Set("limit", strconv.Itoa(r.Limit))
	}
	return v
}

// PatternsValues is the query string of r (the inverse of ParsePatterns).
func PatternsValues(r query.PatternsRequest) url.Values {
	v := url.Values{}
	if r.Domain != "" {
		v.Set("domain", r.Domain)
	}
	if r.Limit != 0 {
		v.Set("limit", strconv.Itoa(r.Limit))
	}
	return v
}

func filterValues(f query.Filter) url.Values {
	v := url.Values{}
	for _, p := range [][2]string{{"domain", f.Domain}, {"task_type", f.TaskType}, {"language", f.Language}} {
		if p[1] != "" {
			v.Set(p[0], p[1])
		}
	}
	if f.Since != 0 {
		v.Set("since", strconv.FormatInt(f.Since, 10))
	}
	return v
}

// escapeSegment path-escapes one segment; "." and ".." are escaped too,
// or the server's router would clean them away.
func escapeSegment(s string) string {
	switch e := url.PathEscape(s); e {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	default:
		return e
	}
}

// do sends one request and decodes a 200 answer into out.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%w: encoding the %s request: %v", query.ErrBadRequest, path, err)
		}
		rd = bytes.NewReader(b)
	}
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("%w: %s %s: %v", query.ErrBadRequest, method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header["Idempotency-Key"] = nil // a read: safe to retry on a reused connection
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportError(method, path, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // keep the connection reusable
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return responseError(resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%w: %s %s: decoding the answer: %v", ErrRemote, method, path, err)
	}
	return nil
}

// transportError classifies a failed round trip: nothing listening is
// ErrNoServer; context errors stay visible to errors.Is.
func (c *Client) transportError(method, path string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if noServer(err) {
		return fmt.Errorf("%w on %s: %v", ErrNoServer, c.target, err)
	}
	return fmt.Errorf("serve: %s %s on %s: %w", method, path, c.target, err)
}
