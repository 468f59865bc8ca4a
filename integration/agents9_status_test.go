package integration

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/testenv"
)

// Issue 9, item 4: `status` warns (text and JSON `warnings`) when the
// change log has grown while no changefeed has published for over an
// hour, and not otherwise. The publish record is moved back in time with
// SQL: the binary judges it by its own clock.
func TestAgents9StatusWarnsAboutAStaleChangefeed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "memory.db")
	dd := "--data-dir=" + dir
	memsync(t, nil, "seed", dd, "--episodes=30", "--patterns=2", "--embedding-dim=0").want(t, 0)
	memsync(t, nil, "run", "--once", dd).want(t, 0)
	db := testenv.OpenTurso(t, path)
	setPublished := func(ago time.Duration, cursorBehindHead uint64) {
		head, err := db.Head(t.Context())
		mustDo(t, err)
		at := strconv.FormatInt(time.Now().Add(-ago).UnixMilli(), 10)
		_, err = db.SQL().ExecContext(t.Context(), `INSERT INTO memsync_meta(key, value) VALUES ('last_published_at', ?),
  ('last_published_cursor', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, at, strconv.FormatUint(head-cursorBehindHead, 10))
		mustDo(t, err)
	}
	tests := []struct {
		name     string
		ago      time.Duration
		behind   uint64 // changes written since the last publish
		wantWarn bool
	}{
		{"just published, log grew", time.Minute, 3, false},
		{"published 2h ago, nothing written since", 2 * time.Hour, 0, false},
		{"published 2h ago, log grew", 2 * time.Hour, 3, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setPublished(tc.ago, tc.behind)
			r := memsync(t, nil, "status", dd, "--json").want(t, 0)
			var s struct {
				Warnings []string `json:"warnings"`
			}
			mustJSON(t, r.stdout, &s)
			text := memsync(t, nil, "status", dd).want(t, 0).stdout
			if got := len(s.Warnings) == 1 && strings.Contains(s.Warnings[0], "no changefeed has published for 2h"); got != tc.wantWarn || (!tc.wantWarn && len(s.Warnings) != 0) {
				t.Fatalf("warnings %q, want a stale-changefeed warning: %v", s.Warnings, tc.wantWarn)
			}
			if strings.Contains(text, "warning: the change log grows") != tc.wantWarn {
				t.Fatalf("text status (want warning %v):\n%s", tc.wantWarn, text)
			}
		})
	}
	// the agents wrote and nobody published: a real growth, not only the cursor record
	setPublished(2*time.Hour, 0)
	a := startAgent9(t, path, 0)
	eventually(t, 10*time.Second, "agent writes", func() bool { return a.writes.Load() >= 3 })
	a.halt()
	out := memsync(t, nil, "status", dd, "--json").want(t, 0).stdout
	var s map[string]json.RawMessage
	mustJSON(t, out, &s)
	if _, ok := s["warnings"]; !ok {
		t.Fatalf("no warning after agent writes with no changefeed:\n%s", out)
	}
}
