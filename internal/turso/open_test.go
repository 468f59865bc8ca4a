package turso

import (
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
