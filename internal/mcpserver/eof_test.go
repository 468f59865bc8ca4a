package mcpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A client that writes its requests and closes stdin at once (a shell pipe:
// `printf ... | memsync mcp`) gets an answer to every call it sent: the
// session ends at EOF only once every call read before it is answered.
func TestStdinEOFAnswersEveryCallInFlight(t *testing.T) {
	script := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"0"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"memory_status","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":"three","method":"tools/call","params":{"name":"query_memory","arguments":{"query":"retry"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}`,
	}, "\n") + "\n"
	var out syncBuffer
	svc := &fakeService{delay: 300 * time.Millisecond}
	err := serve(t.Context(), svc, nil, &mcp.IOTransport{Reader: io.NopCloser(strings.NewReader(script)), Writer: nopWriteCloser{&out}})
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	answered := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var resp struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal([]byte(line), &resp); err != nil {
			t.Fatalf("stdout line %q: %v", line, err)
		}
		if resp.Error != nil {
			t.Errorf("call %s answered with an error: %s", resp.ID, resp.Error)
		}
		answered[string(resp.ID)] = resp.Result != nil
	}
	for _, id := range []string{`1`, `2`, `"three"`} {
		if !answered[id] {
			t.Errorf("call %s has no result on stdout (answered: %v)\n%s", id, answered, out.String())
		}
	}
	if got := len(svc.requests()); got != 2 {
		t.Errorf("the service got %d requests, want 2", got)
	}
}

// syncBuffer is a bytes.Buffer safe for the SDK's writer goroutine and the
// test's reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
