package turso

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/tursodatabase/go-libsql" // registers the "libsql" driver
)

// BusyTimeout is how long a local connection waits for another writer.
const BusyTimeout = 5 * time.Second

// DB is an open Turso/libSQL database.
type DB struct {
	sql     *sql.DB
	url     string // redacted
	token   string
	local   bool
	capture captureConfig
	mark    publishMark
}

// Open connects to url ("file:path", "libsql://...", "https://...") with an
// optional auth token. Local files get WAL and a busy timeout on every
// connection. The token never appears in errors.
func Open(ctx context.Context, rawURL, token string) (*DB, error) {
	dsn, local, err := buildDSN(rawURL, token)
	if err != nil {
		return nil, err
	}
	d := &DB{url: Redact(rawURL), token: token, local: local}
	d.mark.stop = make(chan struct{})
	base, err := sql.Open("libsql", "file::memory:")
	if err != nil {
		return nil, d.scrub(fmt.Errorf("%w: %s: %v", ErrUnavailable, d.url, err))
	}
	drv := base.Driver().(driver.DriverContext)
	base.Close()
	cn := &connector{drv: drv, dsn: dsn, local: local, db: d}
	if local {
		cn.files = newFileHandles(dsn)
	}
	d.sql = sql.OpenDB(cn)
	d.sql.SetMaxOpenConns(4)
	return d, nil
}

// OpenAndPing opens and checks the database answers (fail fast for tools).
func OpenAndPing(ctx context.Context, rawURL, token string) (*DB, error) {
	d, err := Open(ctx, rawURL, token)
	if err != nil {
		return nil, err
	}
	if err := d.Ping(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func buildDSN(rawURL, token string) (string, bool, error) {
	if !strings.Contains(rawURL, ":") {
		rawURL = "file:" + rawURL
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error quotes the whole raw URL (token, password): keep only the reason
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", false, fmt.Errorf("%w %q: %v", ErrBadURL, Redact(rawURL), err)
	}
	switch u.Scheme {
	case "file":
		return rawURL, true, nil
	case "libsql", "https", "http":
		if token != "" {
			q := u.Query()
			q.Set("authToken", token)
			u.RawQuery = q.Encode()
		}
		return u.String(), false, nil
	}
	return "", false, fmt.Errorf("turso: unsupported database URL scheme %q (want file:, libsql://, https://)", u.Scheme)
}

// checkLocalFile fails clearly when the file's directory is missing
// (libSQL would say only "unable to open database file").
func checkLocalFile(dsn string) error {
	p := localPath(dsn)
	if _, err := os.Stat(filepath.Dir(p)); err != nil {
		return fmt.Errorf("%w: directory of %s: %v", ErrUnavailable, p, err)
	}
	return nil
}

// Redact removes credentials (authToken, userinfo) from a URL for logs.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "<unparseable url>"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "authToken") || strings.Contains(strings.ToLower(k), "token") {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (d *DB) scrub(err error) error {
	if err == nil || d.token == "" {
		return err
	}
	if strings.Contains(err.Error(), d.token) {
		return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), d.token, "REDACTED"))
	}
	return err
}

// URL is the redacted URL.
func (d *DB) URL() string { return d.url }

// SQL exposes the pool for tests and tools.
func (d *DB) SQL() *sql.DB { return d.sql }

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	if err := d.sql.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return d.classify(err)
	}
	return nil
}

func (d *DB) classify(err error) error {
	if err == nil {
		return nil
	}
	if IsBusy(err) {
		return d.scrub(fmt.Errorf("%w: %v", ErrBusy, err))
	}
	if isUnavailable(err) {
		return d.scrub(fmt.Errorf("%w: %s: %v", ErrUnavailable, d.url, err))
	}
	return d.scrub(err)
}

func isUnavailable(err error) bool {
	s := strings.ToLower(err.Error())
	for _, k := range []string{"connection refused", "unable to open", "no such host", "timed out", "connect", "http", "i/o", "not a database", "disk"} {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

// Close closes the pool, after stopping a publish record in flight.
func (d *DB) Close() error {
	d.mark.close()
	return d.sql.Close()
}

// connector wraps go-libsql's connector: it is created lazily (so a
// process can start while Turso is unreachable and retry) and it configures
// every new local connection.
type connector struct {
	drv   driver.DriverContext
	dsn   string
	local bool
	db    *DB
	mu    sync.Mutex
	inner driver.Connector
	files *fileHandles // local only
}

func (c *connector) Driver() driver.Driver { return c.drv.(driver.Driver) }

// Close releases go-libsql's database (database/sql calls it from
// sql.DB.Close). Without it the native database stays open with its file
// descriptors and WAL index, and a file replaced or restored at the same
// path later in the process meets the old handle.
func (c *connector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	inner := c.inner
	c.inner = nil
	cl, ok := inner.(io.Closer)
	if !ok {
		return nil
	}
	err := cl.Close()
	if c.files != nil {
		c.files.waitClosed()
	}
	return err
}

func (c *connector) innerConnector() (driver.Connector, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inner != nil {
		return c.inner, nil
	}
	if c.local {
		if err := checkLocalFile(c.dsn); err != nil {
			return nil, err
		}
	}
	inner, err := c.drv.OpenConnector(c.dsn)
	if err != nil {
		return nil, c.db.scrub(fmt.Errorf("%w: %s: %v", ErrUnavailable, c.db.url, err))
	}
	c.inner = inner
	return inner, nil
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	inner, err := c.innerConnector()
	if err != nil {
		return nil, err
	}
	if !c.local {
		return inner.Connect(ctx)
	}
	before := c.files.opening()
	conn, err := inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer c.files.opened(before)
	if err := pragma(ctx, conn, fmt.Sprintf("PRAGMA busy_timeout=%d", BusyTimeout.Milliseconds())); err != nil {
		conn.Close()
		return nil, err
	}
	if err := pragma(ctx, conn, "PRAGMA journal_mode=WAL"); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// pragma runs a PRAGMA that returns rows (go-libsql needs Query for those).
func pragma(ctx context.Context, conn driver.Conn, q string) error {
	qc, ok := conn.(driver.QueryerContext)
	if !ok {
		return fmt.Errorf("turso: driver connection cannot query")
	}
	rows, err := qc.QueryContext(ctx, q, nil)
	if err != nil {
		return fmt.Errorf("turso: %s: %w", q, err)
	}
	dest := make([]driver.Value, len(rows.Columns()))
	for rows.Next(dest) == nil {
	}
	return rows.Close()
}
