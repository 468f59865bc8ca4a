package integration

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/worker"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Turso unreachable: the changefeed keeps running, warns once per outage
// (not per retry), reports the outage, never leaks the token, and catches up
// when Turso returns.
func TestTursoOutage(t *testing.T) {
	const token = "tok-SECRET-123"
	cases := []struct {
		name    string
		url     func(dir string) string
		recover bool
	}{
		{"local file that cannot be opened", func(dir string) string { return "file:" + filepath.Join(dir, "later", "memory.db") }, true},
		{"remote closed port", func(string) string { return "libsql://127.0.0.1:1" }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			n := newEnv(t)
			db, err := turso.Open(t.Context(), tc.url(dir), token)
			mustDo(t, err)
			defer db.Close()
			var logs syncBuffer
			cf, err := changefeed.New(db, n.js, &changefeed.Options{PollInterval: 10 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			mustDo(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- cf.Run(ctx) }()
			// the outage is reported (waited for: a loaded machine is slow to
			// fail too), then several backoff retries pass
			eventually(t, 10*time.Second, "the outage to be reported", func() bool {
				st := cf.Stats()
				return !st.OutageSince.IsZero() && st.LastError != ""
			})
			time.Sleep(1500 * time.Millisecond)
			st := cf.Stats()
			if c := strings.Count(logs.String(), "sync step failing"); c != 1 {
				t.Fatalf("%d outage warnings, want exactly 1:\n%s", c, logs.String())
			}
			if strings.Contains(logs.String()+st.LastError, token) {
				t.Fatal("token leaked into logs or status")
			}
			if tc.recover {
				mustDo(t, os.MkdirAll(filepath.Join(dir, "later"), 0o755))
				fresh := testenv.TursoAt(t, filepath.Join(dir, "later", "memory.db"))
				mustDo(t, seed.Seed(t.Context(), fresh.SQL(), seed.Options{Episodes: 20, EmbeddingDim: 4, Seed: 3}))
				eventually(t, 20*time.Second, "catch-up after Turso returns", func() bool { return cf.Cursor() == 40 })
				// the step logs its recovery after it moved the cursor
				eventually(t, 5*time.Second, "the recovery logged", func() bool { return strings.Contains(logs.String(), "sync step recovered") })
				e := &env{t: t, db: fresh, nats: n.nats, js: n.js}
				e.mustConsistent(e.caughtUp("", cachestore.Options{}, worker.Options{}))
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run: %v", err)
			}
		})
	}
}
