package mcpserver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestHTTPHandler(t *testing.T) {
	svc := &fakeService{}
	ts := httptest.NewServer(HTTPHandler(svc, nil))
	defer ts.Close()

	ctx := context.Background()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "test"}, nil).
		Connect(ctx, &mcp.StreamableClientTransport{Endpoint: ts.URL, HTTPClient: ts.Client()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := call(t, cs, "memory_status", map[string]any{})
	if err := cs.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if res.IsError {
		t.Fatalf("IsError: %s", text(res))
	}
	var st struct {
		Counts struct{ Episodes int } `json:"counts"`
	}
	remarshal(t, res.StructuredContent, &st)
	if st.Counts.Episodes != 120 || !strings.Contains(text(res), "120 episodes") {
		t.Errorf("status %+v, text %q", st, text(res))
	}
	if got := svc.requests(); len(got) != 1 || got[0] != "status" {
		t.Errorf("service got %v", got)
	}
}

// The SDK's DNS rebinding protection stays on: a loopback server refuses a
// foreign Host header.
func TestHTTPHandlerRefusesForeignHost(t *testing.T) {
	ts := httptest.NewServer(HTTPHandler(&fakeService{}, nil))
	defer ts.Close()
	req, err := http.NewRequest(http.MethodPost, ts.URL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "attacker.example:80"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403", resp.StatusCode)
	}
}

// RunStdio serves on the process's stdin/stdout; the test swaps them for
// pipes (so it must not run in parallel, nor log while they are swapped).
func TestRunStdio(t *testing.T) {
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	oldIn, oldOut := os.Stdin, os.Stdout
	os.Stdin, os.Stdout = inR, outW
	restore := func() { os.Stdin, os.Stdout = oldIn, oldOut }
	defer restore()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- RunStdio(ctx, &fakeService{}, nil) }()

	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "test"}, nil).
		Connect(ctx, &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		restore()
		t.Fatal(err)
	}
	res, callErr := cs.CallTool(ctx, &mcp.CallToolParams{Name: "memory_status", Arguments: map[string]any{}})
	cs.Close() // closes inW: the server sees EOF on stdin
	runErr := <-done
	restore()
	inR.Close()
	outW.Close()
	outR.Close()

	if callErr != nil || res.IsError {
		t.Fatalf("call: %v %v", callErr, res)
	}
	if !strings.Contains(text(res), "120 episodes") {
		t.Errorf("text %q", text(res))
	}
	if runErr != nil {
		t.Errorf("RunStdio after the client closed: %v", runErr)
	}
}

func TestRunStdioCancelled(t *testing.T) {
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	oldIn := os.Stdin
	os.Stdin = inR
	defer func() { os.Stdin = oldIn }()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunStdio(ctx, &fakeService{}, nil) }()
	cancel()
	err = <-done
	inW.Close() // unblocks the transport's reader
	inR.Close()
	if err != nil {
		t.Errorf("RunStdio after cancel: %v, want nil", err)
	}
}
