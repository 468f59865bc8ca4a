package serve

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/memsync/memsync/internal/query"
)

func TestNewAddr(t *testing.T) {
	tests := []struct {
		addr  string
		token string
		want  error // nil = accepted
	}{
		{"127.0.0.1:0", "", nil},
		{"127.1.2.3:8080", "", nil},
		{"[::1]:0", "", nil},
		{"localhost:7777", "", nil},
		{"LOCALHOST:0", "", nil},
		{"0.0.0.0:0", "", ErrInsecureAddr},
		{"192.0.2.1:80", "", ErrInsecureAddr},
		{":8080", "", ErrInsecureAddr},
		{"[::]:0", "", ErrInsecureAddr},
		{"example.com:80", "", ErrInsecureAddr},
		{"0.0.0.0:0", testToken, nil},
		{"192.0.2.1:80", testToken, nil},
		{"no-port", "", ErrOptions},
		{"127.0.0.1:0", "has space", ErrOptions},
		{"127.0.0.1:0", "nl\n", ErrOptions},
	}
	for _, tt := range tests {
		_, err := New(&fakeService{}, &Options{Addr: tt.addr, Token: tt.token})
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("New(Addr %q, token %v): %v, want %v", tt.addr, tt.token != "", err, tt.want)
			continue
		}
		if errors.Is(err, ErrInsecureAddr) {
			for _, s := range []string{tt.addr, "--serve-token", "--serve-token-file"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%q: message %q does not name %q", tt.addr, err, s)
				}
			}
		}
		if err != nil && tt.token != "" && strings.Contains(err.Error(), tt.token) {
			t.Errorf("error echoes the token: %v", err)
		}
	}
	if _, err := New(&fakeService{}, &Options{}); !errors.Is(err, ErrOptions) {
		t.Errorf("nothing to listen on: %v", err)
	}
	if _, err := New(nil, &Options{Socket: "/x"}); !errors.Is(err, ErrOptions) {
		t.Errorf("nil service: %v", err)
	}
}

// The socket is 0600 in a 0700 directory (an existing, looser directory of
// ours is tightened), and both it and the discovery file go away on exit.
func TestSocketAndDirModes(t *testing.T) {
	defer goleak.VerifyNone(t)
	data := t.TempDir()
	if err := os.MkdirAll(DiscoveryDir(data), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(DiscoveryDir(data), 0o755); err != nil {
		t.Fatal(err)
	}
	sock, disc := SocketPath(data, "w1"), DiscoveryPath(data, "w1")
	s, err := New(&fakeService{}, &Options{Socket: sock, Discovery: disc, Worker: "w1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }() // awaited below
	<-s.Ready()
	for _, c := range []struct {
		path string
		mode fs.FileMode
	}{{sock, fs.ModeSocket | 0o600}, {filepath.Dir(sock), fs.ModeDir | 0o700}, {disc, 0o600}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode() & (fs.ModeType | fs.ModePerm); got != c.mode {
			t.Errorf("%s: mode %v, want %v", c.path, got, c.mode)
		}
	}
	if s.Socket() != sock || s.Addr() != "" {
		t.Errorf("Socket %q Addr %q", s.Socket(), s.Addr())
	}
	c := Dial(sock, nil)
	if _, err := c.Status(t.Context()); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	for _, p := range []string{sock, disc} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left behind: %v", p, err)
		}
	}
	if err := s.Run(t.Context()); err == nil {
		t.Error("second Run succeeded")
	}
}

// TCP with a token: the socket needs none, TCP refuses missing and wrong
// tokens, and the token reaches no log line or error message.
func TestTCPToken(t *testing.T) {
	var logs syncBuffer
	sock := SocketPath(t.TempDir(), "w")
	s := startServer(t, &fakeService{}, &Options{Socket: sock, Addr: "127.0.0.1:0", Token: testToken, Logger: debugLogger(&logs)})
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") || strings.HasSuffix(s.Addr(), ":0") {
		t.Fatalf("Addr() = %q, want the resolved port", s.Addr())
	}
	clients := []struct {
		name    string
		c       *Client
		wantErr error
	}{
		{"socket without token", dialTest(t, sock, nil), nil},
		{"tcp without token", dialTest(t, "", &ClientOptions{Addr: s.Addr()}), ErrUnauthorized},
		{"tcp wrong token", dialTest(t, "", &ClientOptions{Addr: s.Addr(), Token: "wrong-" + testToken}), ErrUnauthorized},
		{"tcp token", dialTest(t, "", &ClientOptions{Addr: s.Addr(), Token: testToken}), nil},
	}
	for _, c := range clients {
		_, err := c.c.Get(t.Context(), query.GetRequest{Kind: "episode", ID: "e1"})
		if !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: error contains the token: %v", c.name, err)
		}
	}
	// A raw request: 401 body and nothing else.
	resp, err := http.Get("http://" + s.Addr() + "/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	if resp.StatusCode != 401 {
		t.Errorf("raw request: %d", resp.StatusCode)
	}
	if out := logs.String(); strings.Contains(out, testToken) || !strings.Contains(out, "status=401") {
		t.Errorf("logs leak the token or miss the requests:\n%s", out)
	}
}

func TestTCPLoopbackNoToken(t *testing.T) {
	s := startServer(t, &fakeService{}, &Options{Addr: "127.0.0.1:0"})
	if s.Socket() != "" {
		t.Errorf("Socket() = %q without a socket", s.Socket())
	}
	if _, err := dialTest(t, "", &ClientOptions{Addr: s.Addr()}).Status(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// A socket a live server answers on is refused; a stale one is replaced;
// a file that is not a socket is left alone.
func TestSocketInUse(t *testing.T) {
	dir := t.TempDir()
	sock := SocketPath(dir, "w")
	startServer(t, &fakeService{}, &Options{Socket: sock})
	s2, err := New(&fakeService{}, &Options{Socket: sock})
	if err != nil {
		t.Fatal(err)
	}
	err = s2.Run(t.Context())
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), sock) {
		t.Fatalf("second server on %s: %v, want ErrInUse naming it", sock, err)
	}

	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	_ = ln.Close()
	startServer(t, &fakeService{}, &Options{Socket: stale})
	if _, err := dialTest(t, stale, nil).Status(t.Context()); err != nil {
		t.Fatalf("over the replaced stale socket: %v", err)
	}

	plain := filepath.Join(dir, "plain.sock")
	if err := os.WriteFile(plain, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	s3, _ := New(&fakeService{}, &Options{Socket: plain})
	if err := s3.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("over a regular file: %v", err)
	}
	if b, _ := os.ReadFile(plain); string(b) != "keep me" {
		t.Error("regular file replaced")
	}
}

// A socket directory someone else owns is refused, not chmod-ed or used.
func TestSocketDirOwnedByOther(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to chown a directory to another user")
	}
	dir := filepath.Join(t.TempDir(), "serve")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 4242, 4242); err != nil {
		t.Skipf("chown: %v", err)
	}
	before, _ := os.Stat(dir)
	s, _ := New(&fakeService{}, &Options{Socket: filepath.Join(dir, "w.sock")})
	if err := s.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "owned by uid 4242") {
		t.Fatalf("Run: %v", err)
	}
	if fi, _ := os.Stat(dir); fi.Mode() != before.Mode() {
		t.Errorf("mode changed to %v", fi.Mode().Perm())
	}
}
