package supervisor

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// EnsureDefaults fills a copy: the rebuild config's defaults, the trigger
// subject ("-" kept: not listening) and the clock; the caller's Options
// stay as they were.
func TestEnsureDefaults(t *testing.T) {
	cases := []struct {
		name        string
		in          *Options
		wantSubject string
	}{
		{"nil", nil, protocol.DefaultTriggerSubject},
		{"zero", &Options{}, protocol.DefaultTriggerSubject},
		{"own subject", &Options{TriggerSubject: "ops.trigger"}, "ops.trigger"},
		{"not listening", &Options{TriggerSubject: "-"}, "-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before Options
			if tc.in != nil {
				before = *tc.in
			}
			o := tc.in.EnsureDefaults()
			if o.TriggerSubject != tc.wantSubject {
				t.Errorf("trigger subject %q, want %q", o.TriggerSubject, tc.wantSubject)
			}
			if o.now == nil || o.Logger == nil || o.Aside == nil || o.Worker.Name != "default" || o.Worker.Stream != protocol.DefaultStream {
				t.Errorf("defaults not filled: now %v, logger %v, aside %v, worker %+v", o.now != nil, o.Logger, o.Aside, o.Worker)
			}
			if tc.in != nil && (tc.in.TriggerSubject != before.TriggerSubject || tc.in.Logger != nil || tc.in.Worker.Name != "") {
				t.Errorf("EnsureDefaults changed the caller's Options: %+v", tc.in)
			}
		})
	}
}

// Options the worker would refuse are refused before the supervisor
// touches the directory, with the worker's error.
func TestSuperviseRefusesInvalidOptions(t *testing.T) {
	cases := []struct {
		name   string
		worker worker.Options
	}{
		{"worker name", worker.Options{Name: "not a name"}},
		{"db name", worker.Options{DBName: "a/b"}},
		{"batch size", worker.Options{BatchSize: 10001}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cache")
			o := &Options{Config: rebuild.Config{Dir: dir, Worker: tc.worker, Logger: quiet()}, ValidateEvery: time.Minute}
			if err := Supervise(t.Context(), o, nil); !errors.Is(err, worker.ErrOptions) {
				t.Fatalf("Supervise: %v, want worker.ErrOptions", err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the cache directory was opened (stat: %v)", err)
			}
		})
	}
}
