package turso

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A URL that does not parse is reported without its secrets: url.Parse's
// own error quotes the whole raw URL, token included.
func TestBadURLErrorHidesSecrets(t *testing.T) {
	const secret = "s3cr3t-Tok3n"
	for _, raw := range []string{
		"libsql://db.example/x?authToken=" + secret + "%zz",
		"libsql://user:" + secret + "@db.example:bad-port/x",
		"https://db.example/x?authToken=" + secret + "&\x7f",
	} {
		d, err := Open(t.Context(), raw, "")
		if err == nil {
			err = d.Ping(t.Context()) // a remote URL connects lazily: its later errors are scrubbed too
			d.Close()
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("error for a bad URL shows the secret: %v", err)
		}
	}
	if _, err := Open(t.Context(), "libsql://db.example/x%zz", secret); err != nil && strings.Contains(err.Error(), secret) {
		t.Errorf("error shows the token given apart: %v", err)
	}
}

// Close releases the libSQL database itself, not only its connections: a
// database left open keeps the file (and its WAL index) open, so an
// operator's replace or restore of the files between two runs in one
// process met the old handle ("disk I/O error" on the next open).
func TestCloseReleasesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.sqlite")
	d := openTestDB(t, path)
	putEpisode(t, d, "ep-1", 1)
	if n := openFDs(t, path); n == 0 {
		t.Fatalf("test setup: the open database holds no descriptor of %s", path)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if n := openFDs(t, path); n != 0 {
		t.Fatalf("after Close the process still holds %d descriptors of %s", n, path)
	}
}

// openFDs counts this process's descriptors of path and its WAL files.
func openFDs(t *testing.T, path string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	n := 0
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && strings.HasPrefix(target, path) {
			n++
		}
	}
	return n
}
