package integration

import (
	"testing"
	"time"

	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/testenv"
)

// Issue 9, item 3: agents' writes come first. An agent whose busy timeout
// is 1 s writes continuously (its own connection, WAL, INSERT OR REPLACE)
// through the changefeed's bootstrap of 200k episodes and through a
// re-snapshot: no write may fail, and every row ends up described by a
// change (above the head the re-snapshot returned, for the re-snapshot).
func TestAgents9WritesFirstDuringCapture(t *testing.T) {
	const rows = 200_000
	start := time.Now()
	path, db := agents9Fixture(t, rows)
	t.Logf("fixture of %d episodes in %s", rows, time.Since(start).Round(time.Millisecond))
	n := testenv.StartNATS(t)
	_, js := n.Connect(t)
	e := &env{t: t, db: db, path: path, nats: n, js: js}
	a := startAgent9(t, path, rows)
	start = time.Now()
	info, err := db.Install(t.Context()) // what the changefeed's first poll does: the bootstrap
	if err != nil {
		t.Fatalf("install (bootstrap): %v", err)
	}
	t.Logf("bootstrap: %d rows in %d chunks, %s, longest write lock %s", info.Capture.Rows, info.Capture.Chunks,
		time.Since(start).Round(time.Millisecond), info.Capture.LongestHold)
	if _, err := e.changefeed(changefeed.Options{}).PollOnce(t.Context()); err != nil {
		t.Fatalf("first poll: %v", err)
	}
	allCaptured(t, db, 0)
	start = time.Now()
	before, recaptured, err := db.Resnapshot(t.Context())
	if err != nil {
		t.Fatalf("resnapshot: %v", err)
	}
	t.Logf("re-snapshot in %s", time.Since(start).Round(time.Millisecond))
	a.halt()
	t.Logf("agent: %d writes, %d failed; re-snapshot recaptured %d rows above %d", a.writes.Load(), a.failed.Load(), recaptured, before)
	if a.failed.Load() != 0 {
		t.Fatalf("%d of the agent's %d writes failed, first: %v", a.failed.Load(), a.writes.Load(), a.firstErr.Load())
	}
	if a.writes.Load() < 50 {
		t.Fatalf("the agent wrote only %d times: the test did not overlap the captures", a.writes.Load())
	}
	if recaptured < rows {
		t.Fatalf("re-snapshot recaptured %d rows, want at least %d", recaptured, rows)
	}
	allCaptured(t, db, before)
}
