package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/internal/serve"
	"github.com/memsync/memsync/internal/testenv"
)

// mcpClient starts `memsync mcp` as a child process and connects the SDK's
// client to it over stdio.
func mcpClient(t *testing.T, args ...string) *mcp.ClientSession {
	t.Helper()
	cmd := exec.Command(memsyncBin, append([]string{"mcp"}, args...)...)
	cmd.Env = cleanEnv()
	cmd.Stderr = io.Discard
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "memsync-test", Version: "1"}, nil).
		Connect(t.Context(), &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// callTool calls a tool and decodes its structured result into out.
func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any, out any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if out != nil && !res.IsError {
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s: structured result %s: %v", name, b, err)
		}
	}
	return res
}

func toolText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// An agent drives the real `memsync mcp` over stdio: every tool, checked
// against rows the test reads from Turso; through the running worker, then
// on the stopped worker's cache.
func TestMCPServerStdio(t *testing.T) {
	dir := t.TempDir()
	memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=120", "--patterns=10", "--embedding-dim=384", "--seed=11").want(t, 0)
	db := testenv.OpenTurso(t, filepath.Join(dir, "memory.db"))
	w := newWriter(t, db, 12, 384)
	unique := w.g.Episode(0, nil)
	unique.StartTime = w.g.Base - 3600 // inside the window, not the newest
	unique.Description = "untangle the quuxblorp scheduler"
	w.put(unique)
	run, _ := startMemsync(t, "run", "--data-dir="+dir)
	waitServed(t, dir, db)
	cs := mcpClient(t, "--data-dir", dir)

	tools, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	want := []string{"get_episode", "memory_status", "query_memory", "recent_episodes", "search_by_embedding", "search_patterns"}
	if !slices.Equal(names, want) {
		t.Fatalf("tools %v, want %v", names, want)
	}

	turso := recentFromTurso(t, db, 5)
	var rr query.RecentResponse
	callTool(t, cs, "recent_episodes", map[string]any{"limit": 5}, &rr)
	for i, row := range rr.Episodes {
		var e struct {
			ID string `json:"episode_id"`
		}
		json.Unmarshal(row, &e)
		if e.ID != turso[i].ID {
			t.Fatalf("recent_episodes[%d] = %s, Turso %s", i, e.ID, turso[i].ID)
		}
	}
	if rr.Freshness.ServedBy != "worker" || rr.Freshness.AppliedVersion == 0 {
		t.Fatalf("freshness through the worker: %+v", rr.Freshness)
	}

	var g query.GetResponse
	res := callTool(t, cs, "get_episode", map[string]any{"episode_id": turso[2].ID}, &g)
	if g.ID != turso[2].ID || !strings.Contains(string(g.Episode), turso[2].Description) || !strings.Contains(toolText(res), turso[2].ID) {
		t.Fatalf("get_episode: %+v / %s", g, toolText(res))
	}
	if res := callTool(t, cs, "get_episode", map[string]any{"episode_id": "nope"}, nil); !res.IsError || !strings.Contains(toolText(res), "not in the cache") {
		t.Fatalf("get_episode of an unknown id: %+v %s", res.IsError, toolText(res))
	}

	vecs := episodeVectors(t, db)
	var sr query.SearchResponse
	callTool(t, cs, "search_by_embedding", map[string]any{"embedding": vecs[turso[1].ID], "kind": "episode", "limit": 3}, &sr)
	if len(sr.Hits) == 0 || sr.Hits[0].ID != turso[1].ID {
		t.Fatalf("search_by_embedding of %s: %v", turso[1].ID, hitIDs(sr))
	}
	if res := callTool(t, cs, "search_by_embedding", map[string]any{"embedding": []float64{1, 2, 3}}, nil); !res.IsError || !strings.Contains(toolText(res), "384") {
		t.Fatalf("wrong dimension: %v %s", res.IsError, toolText(res))
	}

	for _, mode := range []string{"keyword", "hybrid"} {
		callTool(t, cs, "query_memory", map[string]any{"query": "quuxblorp deadlock", "mode": mode, "limit": 5}, &sr)
		if sr.Mode != mode || len(sr.Hits) == 0 || sr.Hits[0].ID != unique.ID {
			t.Fatalf("query_memory for a unique word (%s): mode %s, hits %v, want %s first", mode, sr.Mode, hitIDs(sr), unique.ID)
		}
	}
	callTool(t, cs, "search_patterns", map[string]any{"query": "retry"}, &sr)
	for _, h := range sr.Hits {
		if h.Kind != "pattern" {
			t.Fatalf("search_patterns returned a %s", h.Kind)
		}
	}
	var st query.StatusResponse
	callTool(t, cs, "memory_status", map[string]any{}, &st)
	if st.Counts.Episodes != 121 || st.Index.Episodes != 121 || st.Freshness.ServedBy != "worker" {
		t.Fatalf("memory_status: %+v", st)
	}

	run.Process.Signal(syscall.SIGTERM)
	if err := run.Wait(); err != nil {
		t.Fatal(err)
	}
	offline := mcpClient(t, "--data-dir", dir)
	callTool(t, offline, "memory_status", map[string]any{}, &st)
	if st.Freshness.ServedBy != "cache" || !st.Freshness.Stale || st.Counts.Episodes != 121 {
		t.Fatalf("memory_status on a stopped worker's cache: %+v", st)
	}
	offline.Close() // it holds the stopped worker's cache
	mcpPipe(t, dir, unique.ID)
}

// mcpPipe drives `memsync mcp` as a shell pipe does: every request written
// and stdin closed at once. Every call must still be answered.
func mcpPipe(t *testing.T, dir, episodeID string) {
	t.Helper()
	script := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"0"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"query_memory","arguments":{"query":"quuxblorp"}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_episode","arguments":{"episode_id":"` + episodeID + `"}}}`,
	}, "\n") + "\n"
	cmd := exec.CommandContext(t.Context(), memsyncBin, "mcp", "--data-dir", dir)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(script)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("memsync mcp with its input piped: %v\n%s", err, errb.String())
	}
	results := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") { // one JSON message a line
		if line == "" {
			continue
		}
		var resp struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal([]byte(line), &resp); err != nil {
			t.Fatalf("stdout line %q: %v", line, err)
		}
		results[string(resp.ID)] = string(resp.Result)
	}
	for id, want := range map[string]string{"1": "memsync", "2": episodeID, "3": "quuxblorp"} {
		if !strings.Contains(results[id], want) {
			t.Errorf("piped call %s: result %q does not mention %q\nstdout:\n%s", id, results[id], want, out.String())
		}
	}
}

// The worker's TCP endpoint: MCP over streamable HTTP at /mcp, a bearer
// token required when configured (and never logged), a non-loopback address
// refused without a token, and the socket owner-only.
func TestServeAddrAndToken(t *testing.T) {
	dir := t.TempDir()
	memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=30", "--seed=4").want(t, 0)
	memsync(t, nil, "run", "--once", "--data-dir="+dir).want(t, 0)
	r := memsync(t, nil, "worker", "--data-dir="+dir, "--nats=nats://127.0.0.1:1", "--serve-addr=0.0.0.0:0").want(t, 2)
	if !strings.Contains(r.stderr, "loopback") || !strings.Contains(r.stderr, "--serve-token") {
		t.Fatalf("non-loopback address without a token: %s", r.stderr)
	}
	const token = "tok-SECRET-4242"
	tf := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tf, []byte(token+"\n"), 0o600)
	_, logs := startMemsync(t, "worker", "--data-dir="+dir, "--nats=nats://127.0.0.1:1", "--serve-addr=127.0.0.1:0", "--serve-token-file="+tf, "--log-level=debug")
	var info serve.Info
	eventually(t, 30*time.Second, "the worker's discovery file", func() bool {
		var err error
		info, err = serve.Discover(dir, "default")
		return err == nil && info.Addr != ""
	})
	fi, err := os.Stat(info.Socket)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %s mode %v: %v", info.Socket, fi.Mode(), err)
	}
	if di, _ := os.Stat(filepath.Dir(info.Socket)); di.Mode().Perm() != 0o700 {
		t.Fatalf("socket directory mode %v, want 0700", di.Mode().Perm())
	}
	base := "http://" + info.Addr
	resp, err := http.Get(base + "/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status without the token: %d, want 401", resp.StatusCode)
	}
	hc := &http.Client{Transport: bearer{token}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "memsync-test", Version: "1"}, nil).
		Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: base + "/mcp", HTTPClient: hc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	var st query.StatusResponse
	eventually(t, 20*time.Second, "the worker to attach its cache", func() bool {
		return !callTool(t, cs, "memory_status", map[string]any{}, &st).IsError
	})
	if st.Counts.Episodes != 30 || st.Freshness.ServedBy != "worker" {
		t.Fatalf("memory_status over HTTP: %+v", st)
	}
	if strings.Contains(logs.String(), token) {
		t.Fatal("the serve token appears in the worker's logs")
	}
	wrong := memsync(t, nil, "recent", "--serve-addr="+info.Addr, "--serve-token=wrong")
	if wrong.code != 2 || strings.Contains(wrong.stderr, token) || !strings.Contains(wrong.stderr, "token") {
		t.Fatalf("wrong token: exit %d %s", wrong.code, wrong.stderr)
	}
	memsync(t, nil, "recent", "--serve-addr="+info.Addr, "--serve-token-file="+tf).want(t, 0)
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// An agent's MCP session opened while no worker runs (the agent started
// first) reads the cache itself, but holds it only for each call: another
// agent's session and the CLI read it meanwhile, `memsync run` starts on it,
// and the same session's next calls go through that worker; when the
// worker stops, they read the cache again.
func TestMCPSessionDoesNotHoldTheCache(t *testing.T) {
	dir := t.TempDir()
	memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=40", "--patterns=4", "--embedding-dim=8", "--seed=5").want(t, 0)
	memsync(t, nil, "run", "--data-dir="+dir, "--once").want(t, 0)
	db := testenv.OpenTurso(t, filepath.Join(dir, "memory.db"))

	first := mcpClient(t, "--data-dir", dir)
	var st query.StatusResponse
	callTool(t, first, "memory_status", map[string]any{}, &st)
	if st.Freshness.ServedBy != "cache" || st.Counts.Episodes != 40 {
		t.Fatalf("memory_status with no worker: %+v", st)
	}
	second := mcpClient(t, "--data-dir", dir)
	var rr query.RecentResponse
	if res := callTool(t, second, "recent_episodes", map[string]any{"limit": 3}, &rr); res.IsError || len(rr.Episodes) != 3 {
		t.Fatalf("a second agent's session beside the first: %v %s", res.IsError, toolText(res))
	}
	memsync(t, nil, "recent", "--data-dir="+dir, "--limit=1").want(t, 0)

	run, _ := startMemsync(t, "run", "--data-dir="+dir)
	waitServed(t, dir, db)
	var sr query.SearchResponse
	for _, cs := range []*mcp.ClientSession{first, second} {
		if res := callTool(t, cs, "query_memory", map[string]any{"query": "retry"}, &sr); res.IsError || sr.Freshness.ServedBy != "worker" {
			t.Fatalf("the session's call once the worker serves: %v %s, served by %q", res.IsError, toolText(res), sr.Freshness.ServedBy)
		}
	}

	run.Process.Signal(syscall.SIGTERM)
	if err := run.Wait(); err != nil {
		t.Fatal(err)
	}
	callTool(t, first, "memory_status", map[string]any{}, &st)
	if st.Freshness.ServedBy != "cache" || st.Counts.Episodes != 40 {
		t.Fatalf("memory_status after the worker stopped: %+v", st)
	}
}
