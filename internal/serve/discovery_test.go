package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// exitedPID is the pid of a process that has exited.
func exitedPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	return cmd.Process.Pid
}

func writeFile(t *testing.T, path string, v any) {
	t.Helper()
	if _, err := writeDiscovery(path, v); err != nil {
		t.Fatal(err)
	}
}

func TestDiscover(t *testing.T) {
	data := t.TempDir()
	if _, err := Discover(data, "w"); !errors.Is(err, ErrNoServer) {
		t.Fatalf("before any server: %v", err)
	}
	sock := SocketPath(data, "w")
	before := time.Now().Add(-time.Second)
	s := startServer(t, &fakeService{}, &Options{Socket: sock, Addr: "127.0.0.1:0", Discovery: DiscoveryPath(data, "w"), Worker: "w", NATSURL: "nats://127.0.0.1:4222"})
	info, err := Discover(data, "w")
	if err != nil {
		t.Fatal(err)
	}
	want := Info{PID: os.Getpid(), Worker: "w", Socket: sock, Addr: s.Addr(), NATSURL: "nats://127.0.0.1:4222", Started: info.Started}
	if !reflect.DeepEqual(info, want) || info.Started.Before(before.Truncate(time.Second)) {
		t.Errorf("Discover = %+v, want %+v", info, want)
	}
	raw, _ := os.ReadFile(DiscoveryPath(data, "w"))
	var keys map[string]any
	if err := json.Unmarshal(raw, &keys); err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	})
	if !reflect.DeepEqual(got, []string{"addr", "nats_url", "pid", "socket", "started", "worker"}) {
		t.Errorf("discovery keys %v", got)
	}
	if _, err := time.Parse(time.RFC3339, keys["started"].(string)); err != nil {
		t.Errorf("started is not RFC3339: %v", err)
	}
	if _, err := Discover(data, "other"); !errors.Is(err, ErrNoServer) {
		t.Errorf("another worker: %v", err)
	}
}

// A discovery file is never trusted without a live process that answers;
// a stale one is reported, naming what is wrong, and removed.
func TestDiscoverStale(t *testing.T) {
	dead := exitedPID(t)
	tests := []struct {
		name string
		info any // written as the file; a string is written raw
		msg  string
	}{
		{"dead pid", Info{PID: dead, Worker: "w", Socket: "/nonexistent.sock"}, fmt.Sprintf("pid %d, which has exited", dead)},
		{"alive pid, no socket", Info{PID: os.Getpid(), Worker: "w", Socket: "/nonexistent/x.sock"}, "nothing answers"},
		{"alive pid, nothing recorded", Info{PID: os.Getpid(), Worker: "w"}, "nothing answers"},
		{"zero pid", Info{Worker: "w"}, "does not decode"},
		{"garbage", "{not json", "does not decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := t.TempDir()
			path := DiscoveryPath(data, "w")
			if s, ok := tt.info.(string); ok {
				_ = os.MkdirAll(filepath.Dir(path), 0o700)
				_ = os.WriteFile(path, []byte(s), 0o600)
			} else {
				writeFile(t, path, tt.info)
			}
			_, err := Discover(data, "w")
			if !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("%v, want ErrStale containing %q", err, tt.msg)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("stale file kept: %v", err)
			}
			if _, err := Discover(data, "w"); !errors.Is(err, ErrNoServer) {
				t.Errorf("second Discover: %v", err)
			}
		})
	}
}

func TestNATSDiscovery(t *testing.T) {
	data := t.TempDir()
	if _, err := DiscoverNATS(data); !errors.Is(err, ErrNoServer) {
		t.Fatalf("no file: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	url := "nats://" + ln.Addr().String()
	remove, err := WriteNATS(data, url)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(NATSPath(data)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("nats.json: %v %v", fi, err)
	}
	if got, err := DiscoverNATS(data); err != nil || got != url {
		t.Fatalf("DiscoverNATS = %q, %v", got, err)
	}
	remove()
	if _, err := DiscoverNATS(data); !errors.Is(err, ErrNoServer) {
		t.Errorf("after remove: %v", err)
	}

	writeFile(t, NATSPath(data), NATSInfo{PID: exitedPID(t), URL: url})
	if _, err := DiscoverNATS(data); !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "has exited") {
		t.Errorf("dead pid: %v", err)
	}
	_ = ln.Close()
	if _, err := WriteNATS(data, url); err != nil {
		t.Fatal(err)
	}
	if _, err := DiscoverNATS(data); !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("closed port: %v", err)
	}
	if _, err := WriteNATS(data, "not a url"); !errors.Is(err, ErrOptions) {
		t.Errorf("bad URL: %v", err)
	}
}

// A remove func leaves alone a file another process wrote since.
func TestWriteNATSRemoveOnlyOwn(t *testing.T) {
	data := t.TempDir()
	remove, err := WriteNATS(data, "nats://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, NATSPath(data), NATSInfo{PID: 1, URL: "nats://127.0.0.1:2"})
	remove()
	if _, err := os.Stat(NATSPath(data)); err != nil {
		t.Errorf("another process's file removed: %v", err)
	}
}

func TestEncodeName(t *testing.T) {
	tests := map[string]string{
		"":            "default",
		"w1":          "w1",
		"a.b_c-D":     "a.b_c-D",
		"a/b":         "a%2Fb",
		"..":          "%2E.",
		".hidden":     "%2Ehidden",
		"a b%":        "a%20b%25",
		"nats":        "%6Eats",
		"natsy":       "natsy",
		"ü":           "%C3%BC",
		"x\x00y":      "x%00y",
		"../../etc/p": "%2E.%2F..%2Fetc%2Fp",
	}
	for in, want := range tests {
		if got := EncodeName(in); got != want {
			t.Errorf("EncodeName(%q) = %q, want %q", in, got, want)
		}
	}
	long := EncodeName(strings.Repeat("/", 200))
	if len(long) > 128 || long == EncodeName(strings.Repeat("/", 201)) {
		t.Errorf("long names: %q", long)
	}
	if DiscoveryPath("/d", "nats") == NATSPath("/d") {
		t.Error("worker nats collides with the NATS discovery file")
	}
}
