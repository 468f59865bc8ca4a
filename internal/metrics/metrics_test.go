package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

// /readyz is ready only when every check passes, and names the first
// failing one; /healthz is always ok; /metrics reads gauges at scrape time.
func TestHandler(t *testing.T) {
	var lagging error
	cases := []struct {
		name     string
		lag      error
		wantCode int
		wantBody string
	}{
		{"ready", nil, http.StatusOK, "ready"},
		{"catching up", errors.New("worker still catching up"), http.StatusServiceUnavailable, "not ready: worker still catching up"},
	}
	r := New()
	r.Ready(func() error { return nil })
	r.Ready(func() error { return lagging })
	value := 0.0
	r.Gauge("memsync_test_lag", "Test gauge.", func() float64 { return value })
	h := r.Handler()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lagging = tc.lag
			if code, body := get(t, h, "/readyz"); code != tc.wantCode || !strings.Contains(body, tc.wantBody) {
				t.Fatalf("/readyz = %d %q, want %d %q", code, body, tc.wantCode, tc.wantBody)
			}
			if code, _ := get(t, h, "/healthz"); code != http.StatusOK {
				t.Fatalf("/healthz = %d, want 200 whatever the readiness", code)
			}
		})
	}
	value = 42
	r.BatchSize.WithLabelValues("worker").Observe(3)
	if _, body := get(t, h, "/metrics"); !strings.Contains(body, "memsync_test_lag 42") || !strings.Contains(body, `memsync_batch_messages_count{component="worker"} 1`) {
		t.Fatalf("/metrics lacks the gauge read at scrape time or the batch histogram:\n%s", body)
	}
}

// Serve returns nil once ctx is done, after its server goroutine ended
// (goleak), and an error for an address it cannot listen on.
func TestServeStopsWithContext(t *testing.T) {
	r := New()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx, "127.0.0.1:0") }()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
	if err := r.Serve(t.Context(), "127.0.0.1:bad"); err == nil {
		t.Fatal("Serve on a bad address: no error")
	}
}

// The profiles are served only when asked for: by default /debug/pprof/ is
// not found; with EnableProfiling it lists the profiles and serves one.
func TestProfilingOnlyWhenEnabled(t *testing.T) {
	if code, _ := get(t, New().Handler(), "/debug/pprof/"); code != http.StatusNotFound {
		t.Fatalf("/debug/pprof/ without EnableProfiling = %d, want 404", code)
	}
	r := New()
	r.EnableProfiling()
	h := r.Handler()
	if code, body := get(t, h, "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("/debug/pprof/ with EnableProfiling = %d %q, want 200 and the profile list", code, body)
	}
	if code, body := get(t, h, "/debug/pprof/heap?debug=1"); code != http.StatusOK || !strings.Contains(body, "heap profile") {
		t.Fatalf("/debug/pprof/heap = %d, want 200 and a heap profile", code)
	}
	// the command line may hold a secret given as a flag: never served
	if code, body := get(t, h, "/debug/pprof/cmdline"); code != http.StatusNotFound || strings.Contains(body, os.Args[0]) {
		t.Fatalf("/debug/pprof/cmdline = %d %q, want 404 and not the command line", code, body)
	}
}
