package supervisor

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/worker"
)

// Which error a worker run ends with decides whether the cache is rebuilt
// and from where: the stream for a cache that is broken on its own
// (corrupt, other options), Turso for one that cannot trust the stream's
// history, when this process has Turso; any other error stops the
// supervisor (no rebuild).
func TestRoute(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		repaired   bool
		withTurso  string // the source when Turso is reachable
		withoutDB  string // the source without Turso
		wantReason string
	}{
		{"corrupt cache", cachestore.ErrCorrupt, true, "stream", "stream", "corrupt"},
		{"corrupt cache, wrapped", fmt.Errorf("open cache: %w", cachestore.ErrCorrupt), true, "stream", "stream", "corrupt"},
		{"cache built with other options", cachestore.ErrConfigChanged, true, "stream", "stream", "options-changed"},
		{"stream replaced or purged", worker.ErrStreamReplaced, true, "turso", "stream", "stream-replaced"},
		{"stream replaced, wrapped twice", fmt.Errorf("bind: %w", fmt.Errorf("continuity: %w", worker.ErrStreamReplaced)), true, "turso", "stream", "stream-replaced"},
		{"another database in the stream", worker.ErrLineageChanged, true, "turso", "stream", "lineage-changed"},
		{"delete tombstones expired", worker.ErrTombstonesExpired, true, "turso", "stream", "tombstones-expired"},
		{"stuck batch", worker.ErrStuck, true, "turso", "stream", "stuck"},
		{"confirmed divergence", fmt.Errorf("%w: 3 entities differ", ErrDiverged), true, "turso", "stream", "diverged"},
		{"invalid worker options", worker.ErrOptions, false, "", "", "error"},
		{"a failed rebuild", rebuild.ErrNotCaptured, false, "", "", "error"},
		{"cancelled", context.Canceled, false, "", "", "error"},
		{"anything else", errors.New("disk full"), false, "", "", "error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := needsRepair(tc.err); got != tc.repaired {
				t.Fatalf("needsRepair = %v, want %v", got, tc.repaired)
			}
			if got := reasonOf(tc.err); got != tc.wantReason {
				t.Errorf("reason %q, want %q", got, tc.wantReason)
			}
			if !tc.repaired {
				return
			}
			if got := sourceFor(tc.err, true); got != tc.withTurso {
				t.Errorf("with Turso: source %q, want %q", got, tc.withTurso)
			}
			if got := sourceFor(tc.err, false); got != tc.withoutDB {
				t.Errorf("without Turso: source %q, want %q", got, tc.withoutDB)
			}
		})
	}
}

// An operator's rebuild request uses Turso when the process has it.
func TestRequestedSource(t *testing.T) {
	for _, tc := range []struct {
		turso bool
		want  string
	}{{true, "turso"}, {false, "stream"}} {
		if got := requestedSource(tc.turso); got != tc.want {
			t.Errorf("requestedSource(%v) = %q, want %q", tc.turso, got, tc.want)
		}
	}
}
