package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/memsync/memsync/internal/turso"
)

// tursoFlags say which Turso/libSQL database to open and how to
// authenticate: --turso, --turso-token, --turso-token-file.
type tursoFlags struct {
	url       string // as given: "" is the local file under --data-dir
	token     string
	tokenFile string
	dataDir   *string
}

func (t *tursoFlags) register(cl *commandLine) {
	t.dataDir = &cl.dataDir
	cl.fs.StringVar(&t.url, "turso", "", "Turso/libSQL URL (default file:<data-dir>/memory.db; env TURSO_DATABASE_URL)")
	cl.fs.StringVar(&t.token, "turso-token", "", "Turso auth token (env TURSO_AUTH_TOKEN; never logged)")
	cl.fs.StringVar(&t.tokenFile, "turso-token-file", "", "file holding the Turso auth token")
}

// check loads --turso-token-file (the token never travels on a command line).
func (t *tursoFlags) check() error {
	if t.tokenFile == "" {
		return nil
	}
	b, err := os.ReadFile(t.tokenFile)
	if err != nil {
		return fmt.Errorf("--turso-token-file: %v", err)
	}
	t.token = strings.TrimSpace(string(b))
	return nil
}

// given reports whether --turso (or TURSO_DATABASE_URL) was set.
func (t *tursoFlags) given() bool { return t.url != "" }

// target is the database to open: --turso, or file:<data-dir>/memory.db.
func (t *tursoFlags) target() string {
	if t.url != "" {
		return t.url
	}
	return "file:" + filepath.Join(*t.dataDir, "memory.db")
}

// open opens the database and pings it, creating a local file's directory.
func (t *tursoFlags) open(ctx context.Context) (*turso.DB, error) {
	target := t.target()
	if strings.HasPrefix(target, "file:") {
		if err := os.MkdirAll(filepath.Dir(strings.TrimPrefix(target, "file:")), 0o755); err != nil {
			return nil, err
		}
	}
	return turso.OpenAndPing(ctx, target, t.token)
}

// openLazy opens without connecting: the changefeed starts while Turso
// is unreachable and retries with backoff.
func (t *tursoFlags) openLazy(ctx context.Context) (*turso.DB, error) {
	return turso.Open(ctx, t.target(), t.token)
}

// requireLocalFile refuses a local database file that does not exist
// (opening it would create an empty one).
func (t *tursoFlags) requireLocalFile() error {
	target := t.target()
	if !strings.HasPrefix(target, "file:") {
		return nil
	}
	p := strings.TrimPrefix(target, "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if _, err := os.Stat(p); err != nil {
		return fmt.Errorf("no database at %s: %w", p, err)
	}
	return nil
}
