package serve

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
)

const testToken = "s3cret-Token_value"

// syncBuffer is a bytes.Buffer safe for a logger shared by goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func debugLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func TestToken(t *testing.T) {
	mcp := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("mcp " + r.URL.Path)) })
	var logs syncBuffer
	h := Handler(&fakeService{}, &HandlerOptions{Token: testToken, Extra: map[string]http.Handler{"/mcp": mcp}, Logger: debugLogger(&logs)})
	tests := []struct {
		name, target, auth string
		status             int
	}{
		{"none", "/v1/status", "", 401},
		{"wrong", "/v1/status", "Bearer nope", 401},
		{"prefix of the token", "/v1/status", "Bearer " + testToken[:5], 401},
		{"token plus", "/v1/status", "Bearer " + testToken + "x", 401},
		{"basic scheme", "/v1/status", "Basic " + testToken, 401},
		{"bare token", "/v1/status", testToken, 401},
		{"right", "/v1/status", "Bearer " + testToken, 200},
		{"scheme case", "/v1/status", "bearer " + testToken, 200},
		{"no route still refused", "/nope", "", 401},
		{"extra refused", "/mcp", "", 401},
		{"extra", "/mcp", "Bearer " + testToken, 200},
		{"extra subtree", "/mcp/session/1", "Bearer " + testToken, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{"X-Secret-Header": {"header-value-never-logged"}}
			if tt.auth != "" {
				hdr.Set("Authorization", tt.auth)
			}
			w := serveOnce(t, h, "GET", tt.target, "", hdr)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status == 401 {
				if got, want := w.Body.String(), `{"error":"missing or wrong bearer token","code":"unauthorized"}`+"\n"; got != want {
					t.Errorf("body %s, want %s", got, want)
				}
				if w.Header().Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}
			if strings.Contains(w.Body.String(), testToken) || strings.Contains(w.Body.String(), testToken[:5]) {
				t.Errorf("answer echoes the token: %s", w.Body)
			}
		})
	}
	out := logs.String()
	if !strings.Contains(out, "path=/v1/status") || !strings.Contains(out, "status=401") || !strings.Contains(out, "status=200") {
		t.Errorf("want one debug line per request, got:\n%s", out)
	}
	if n := strings.Count(out, "serve: request"); n != len(tests) {
		t.Errorf("%d log lines for %d requests", n, len(tests))
	}
	for _, secret := range []string{testToken, testToken[:5], "header-value-never-logged", "Authorization"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q:\n%s", secret, out)
		}
	}
}

// Streaming handlers mounted through Extra still get a Flusher when
// request logging wraps the ResponseWriter.
func TestExtraFlusher(t *testing.T) {
	var logs syncBuffer
	var flushed bool
	h := Handler(&fakeService{}, &HandlerOptions{Logger: debugLogger(&logs), Extra: map[string]http.Handler{
		"/mcp/": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f, ok := w.(http.Flusher)
			if ok {
				f.Flush()
			}
			flushed = ok && http.NewResponseController(w).Flush() == nil
		}),
	}})
	serveOnce(t, h, "GET", "/mcp/x", "", nil)
	if !flushed {
		t.Error("Extra handler could not flush")
	}
}

func TestValidateExtra(t *testing.T) {
	ok := http.NotFoundHandler()
	tests := []struct {
		name  string
		extra map[string]http.Handler
		valid bool
	}{
		{"mcp", map[string]http.Handler{"/mcp": ok}, true},
		{"two", map[string]http.Handler{"/mcp": ok, "/debug/": ok}, true},
		{"nil handler", map[string]http.Handler{"/mcp": nil}, false},
		{"relative", map[string]http.Handler{"mcp": ok}, false},
		{"root", map[string]http.Handler{"/": ok}, false},
		{"v1", map[string]http.Handler{"/v1": ok}, false},
		{"under v1", map[string]http.Handler{"/v1/mcp": ok}, false},
		{"wildcard", map[string]http.Handler{"/{x}": ok}, false},
		{"collide", map[string]http.Handler{"/mcp": ok, "/mcp/": ok}, false},
	}
	for _, tt := range tests {
		err := ValidateExtra(tt.extra)
		if (err == nil) != tt.valid {
			t.Errorf("%s: err %v, want valid=%v", tt.name, err, tt.valid)
		}
		if _, nerr := New(&fakeService{}, &Options{Socket: "/x.sock", Extra: tt.extra}); (nerr == nil) != tt.valid {
			t.Errorf("%s: New err %v", tt.name, nerr)
		}
	}
}
