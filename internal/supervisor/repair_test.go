package supervisor

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/worker"
)

// A stream rebuild can fail because the stream keeps changing under it
// (the changefeed replaced a database's history, the stream was purged,
// after the rebuild's own fresh starts). The supervisor then rebuilds from
// Turso when it has it, and otherwise opens the cache and repairs it again
// in the next round, within the rate limit; a rebuild that fails for any
// other reason still stops it. Real stream and Turso rebuilds; only the
// failing stream rebuilds are injected.
func TestLoopSurvivesAStreamThatChangesUnderItsRebuild(t *testing.T) {
	corrupt := fmt.Errorf("open cache: %w", cachestore.ErrCorrupt)
	replaced := fmt.Errorf("rebuild: %w", worker.ErrStreamReplaced)
	disk := errors.New("disk full")
	cases := []struct {
		name         string
		turso        bool
		faults       []error // the worker runs'
		streamFaults []error // the stream rebuilds'
		wantErr      error
		wantSources  []string
		wantReasons  []string
		wantSource   string // of the cache in place
	}{
		{"stream replaced under the rebuild: from Turso", true, []error{corrupt}, []error{replaced},
			nil, []string{"stream", "turso"}, []string{"corrupt"}, "turso"},
		{"another database under the rebuild: from Turso", true, []error{corrupt}, []error{worker.ErrLineageChanged},
			nil, []string{"stream", "turso"}, []string{"corrupt"}, "turso"},
		{"stream replaced under the rebuild, no Turso: repaired in the next round", false, []error{corrupt, corrupt}, []error{replaced},
			nil, []string{"stream", "stream"}, []string{"corrupt"}, "stream"},
		{"the stream never settles: stops for an operator", false, slices.Repeat([]error{corrupt}, 4), slices.Repeat([]error{replaced}, 4),
			ErrRebuildLoop, []string{"stream", "stream", "stream"}, nil, ""},
		{"a rebuild failing otherwise stops", true, []error{corrupt}, []error{disk},
			disk, []string{"stream"}, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newLoopRig(t, tc.turso, tc.faults, 0)
			r.streamFaults = tc.streamFaults
			err := r.s.loop(t.Context())
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("loop: %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(r.sources, tc.wantSources) {
				t.Errorf("rebuilds from %q, want %q", r.sources, tc.wantSources)
			}
			if !slices.Equal(r.reasons, tc.wantReasons) {
				t.Errorf("rebuilds completed %q, want %q", r.reasons, tc.wantReasons)
			}
			if tc.wantSource != "" {
				if got := r.sourceOfCache(t); got != tc.wantSource {
					t.Errorf("cache rebuilt from %s, want %s", got, tc.wantSource)
				}
			}
		})
	}
}
