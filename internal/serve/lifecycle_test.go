package serve

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// A request still running when Run's context is done gets the grace
// period, then its context is canceled: Run returns, nothing leaks.
func TestShutdownCancelsLongRequests(t *testing.T) {
	defer goleak.VerifyNone(t)
	started := make(chan struct{})
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		http.NewResponseController(w).Flush()
		close(started)
		<-r.Context().Done()
	})
	sock := SocketPath(t.TempDir(), "w")
	s, err := New(&fakeService{}, &Options{Socket: sock, Extra: map[string]http.Handler{"/mcp": stream}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }() // awaited below
	<-s.Ready()
	c := Dial(sock, nil)
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://memsync/mcp", nil)
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	<-started
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(shutdownGrace + 3*time.Second):
		t.Fatal("Run did not return")
	}
	_ = resp.Body.Close()
	_ = c.Close()
}

// A data dir too deep for a unix socket path falls back to a short path
// in a private directory under os.TempDir, and a server runs on it.
func TestSocketPathFallback(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	deep := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	p := SocketPath(deep, "worker/1")
	if len(p) > maxSocketPath || !strings.HasPrefix(p, tmp+"/memsync-") || !strings.HasSuffix(p, ".sock") {
		t.Fatalf("SocketPath = %q (%d bytes)", p, len(p))
	}
	if SocketPath(deep, "worker/1") != p || SocketPath(deep, "worker/2") == p || SocketPath(deep+"x", "worker/1") == p {
		t.Error("fallback path not a function of (data dir, worker)")
	}
	if short := SocketPath("/d", "w"); short != "/d/serve/w.sock" {
		t.Errorf("short data dir: %q", short)
	}
	disc := DiscoveryPath(deep, "worker/1")
	startServer(t, &fakeService{}, &Options{Socket: p, Discovery: disc, Worker: "worker/1"})
	if fi, err := os.Stat(filepath.Dir(p)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("fallback dir: %v %v", fi.Mode(), err)
	}
	info, err := Discover(deep, "worker/1")
	if err != nil || info.Socket != p || info.Worker != "worker/1" {
		t.Fatalf("Discover: %+v %v", info, err)
	}
}
