package supervisor

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// loopRig is a supervisor on a real cache directory, a real nats-server
// with memsync's (empty) streams and, optionally, a real libSQL database
// with memsync installed; only the worker runs are replaced, by runs that
// end with the given faults, and the clock, which moves step before each
// run.
type loopRig struct {
	s       *supervisor
	dir     string
	lineage string // Turso's ("" without Turso)
	reasons []string
	runs    int
	faults  []error
	step    time.Duration
	now     time.Time
	// streamFaults fail the stream rebuilds in turn (nil: a real one);
	// sources lists the sources of every rebuild asked for.
	streamFaults []error
	sources      []string
}

func newLoopRig(t *testing.T, withTurso bool, faults []error, step time.Duration) *loopRig {
	t.Helper()
	_, js := testenv.StartNATS(t).Connect(t)
	if _, err := changefeed.EnsureStreams(t.Context(), js, &changefeed.Options{Stream: protocol.DefaultStream, DLQStream: protocol.DefaultDLQStream}); err != nil {
		t.Fatal(err)
	}
	r := &loopRig{dir: filepath.Join(t.TempDir(), "cache"), faults: faults, step: step,
		now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	cfg := rebuild.Config{Dir: r.dir, JS: js, Logger: quiet(), Worker: worker.Options{FetchWait: 20 * time.Millisecond, Logger: quiet()},
		OnRebuild: func(reason string) { r.reasons = append(r.reasons, reason) }}
	if withTurso {
		db, _ := testenv.Turso(t)
		if _, err := db.Install(t.Context()); err != nil {
			t.Fatal(err)
		}
		lineage, err := db.Lineage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		cfg.DB, r.lineage = db, lineage
	}
	o := (&Options{Config: cfg, now: func() time.Time { return r.now }}).EnsureDefaults()
	r.s = newSupervisor(*o, nil)
	r.s.run, r.s.rebuild = r.run, r.rebuild
	return r
}

// rebuild is rebuild.Run, except that a stream rebuild fails with the next
// of streamFaults while there are any.
func (r *loopRig) rebuild(ctx context.Context, cfg rebuild.Config, source, reason string) (rebuild.Result, error) {
	r.sources = append(r.sources, source)
	if source == "stream" && len(r.streamFaults) > 0 {
		fault := r.streamFaults[0]
		r.streamFaults = r.streamFaults[1:]
		if fault != nil {
			return rebuild.Result{}, fault
		}
	}
	return rebuild.Run(ctx, cfg, source, reason)
}

// run is one worker run: it ends with the next fault, or cleanly (nil)
// once they are used up.
func (r *loopRig) run(context.Context) error {
	r.now = r.now.Add(r.step)
	r.runs++
	if r.runs > len(r.faults) {
		return nil
	}
	return r.faults[r.runs-1]
}

// sourceOfCache tells which source built the cache in place: a Turso
// rebuild records Turso's lineage, a rebuild from the empty stream none.
func (r *loopRig) sourceOfCache(t *testing.T) string {
	t.Helper()
	store, err := cachestore.Open(r.dir, &cachestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if st := store.State(); r.lineage != "" && st.Lineage == r.lineage {
		return "turso"
	}
	return "stream"
}

// The supervision loop repairs what a rebuild repairs, from the source the
// error calls for, at most three times in ten minutes (on the injected
// clock), and stops at once for any other error.
func TestLoopRoutesAndLimitsRebuilds(t *testing.T) {
	corrupt := fmt.Errorf("open cache: %w", cachestore.ErrCorrupt)
	disk := errors.New("disk full")
	rep := func(n int, reason string) []string { return slices.Repeat([]string{reason}, n) }
	cases := []struct {
		name        string
		turso       bool
		faults      []error
		step        time.Duration
		wantErr     error
		wantReasons []string
		wantSource  string // of the cache in place ("": none was built)
	}{
		{"corrupt cache: from the stream, Turso or not", true, []error{corrupt}, 0, nil, rep(1, "corrupt"), "stream"},
		{"stream replaced: from Turso", true, []error{worker.ErrStreamReplaced}, 0, nil, rep(1, "stream-replaced"), "turso"},
		{"stream replaced, no Turso: from the stream", false, []error{worker.ErrStreamReplaced}, 0, nil, rep(1, "stream-replaced"), "stream"},
		{"divergence: from Turso", true, []error{fmt.Errorf("%w: 1 entity", ErrDiverged)}, 0, nil, rep(1, "diverged"), "turso"},
		{"stuck batch: from Turso", true, []error{worker.ErrStuck}, 0, nil, rep(1, "stuck"), "turso"},
		{"another error stops, no rebuild", true, []error{disk}, 0, disk, nil, ""},
		{"invalid options stop, no rebuild", false, []error{worker.ErrOptions}, 0, worker.ErrOptions, nil, ""},
		{"three rebuilds within ten minutes", false, []error{corrupt, corrupt, corrupt}, time.Minute, nil, rep(3, "corrupt"), "stream"},
		{"a fourth within ten minutes stops for an operator", false, []error{corrupt, corrupt, corrupt, corrupt}, 3 * time.Minute, ErrRebuildLoop, rep(3, "corrupt"), "stream"},
		{"a fourth after the window is repaired", false, []error{corrupt, corrupt, corrupt, corrupt, corrupt}, 5 * time.Minute, nil, rep(5, "corrupt"), "stream"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newLoopRig(t, tc.turso, tc.faults, tc.step)
			err := r.s.loop(t.Context())
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("loop: %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(r.reasons, tc.wantReasons) {
				t.Errorf("rebuilds %q, want %q", r.reasons, tc.wantReasons)
			}
			if tc.wantSource != "" {
				if got := r.sourceOfCache(t); got != tc.wantSource {
					t.Errorf("cache rebuilt from %s, want %s", got, tc.wantSource)
				}
			}
		})
	}
}

// A repair whose stream rebuild cannot reach the stream (deleted and not
// re-created within the rebuild's own wait, or NATS down) is tried again
// until it can, counted once against the limit: the worker process does
// not stop (it did, with the stream deleted before a corrupt cache's
// repair). Three corrupt caches, each repaired after two such failures,
// stay within the limit.
func TestLoopWaitsOutAnUnreachableStream(t *testing.T) {
	corrupt := fmt.Errorf("open cache: %w", cachestore.ErrCorrupt)
	gone := fmt.Errorf("worker: stream MEMSYNC: %w", jetstream.ErrStreamNotFound)
	down := fmt.Errorf("rebuild: %w", nats.ErrConnectionClosed)
	r := newLoopRig(t, false, []error{corrupt, corrupt, corrupt}, time.Minute)
	r.s.retryWait = 10 * time.Millisecond
	r.streamFaults = []error{gone, down, nil, gone, gone, nil, down, down, nil}
	if err := r.s.loop(t.Context()); err != nil {
		t.Fatalf("loop: %v, want the repairs to wait for the stream", err)
	}
	if want := slices.Repeat([]string{"corrupt"}, 3); !slices.Equal(r.reasons, want) {
		t.Errorf("rebuilds %q, want %q", r.reasons, want)
	}
	if len(r.sources) != 9 {
		t.Errorf("%d rebuild attempts, want 9 (each failure tried again)", len(r.sources))
	}
	// any other failure still stops it
	r = newLoopRig(t, false, []error{corrupt}, 0)
	disk := errors.New("disk full")
	r.streamFaults = []error{disk}
	if err := r.s.loop(t.Context()); !errors.Is(err, disk) {
		t.Fatalf("loop: %v, want %v", err, disk)
	}
}
