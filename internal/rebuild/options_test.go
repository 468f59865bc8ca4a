package rebuild

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// EnsureDefaults fills a copy: the worker's defaults, the logger a rebuild
// logs with (the worker's first, then Config.Logger, then slog.Default;
// the worker keeps its own) and the keep-aside budget.
func TestEnsureDefaults(t *testing.T) {
	own, workers := slog.New(slog.DiscardHandler), slog.New(slog.DiscardHandler)
	budget := &AsideBudget{Keep: 3, Bytes: 1 << 20}
	cases := []struct {
		name       string
		in         *Config
		wantLog    *slog.Logger
		wantWorker *slog.Logger
		wantAside  AsideBudget
	}{
		{"nil", nil, slog.Default(), slog.Default(), DefaultAsideBudget()},
		{"the worker's logger first", &Config{Logger: own, Worker: worker.Options{Logger: workers}}, workers, workers, DefaultAsideBudget()},
		{"then Config.Logger; the worker keeps the default", &Config{Logger: own}, own, slog.Default(), DefaultAsideBudget()},
		{"a budget is kept", &Config{Aside: budget}, slog.Default(), slog.Default(), *budget},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before Config
			if tc.in != nil {
				before = *tc.in
			}
			c := tc.in.EnsureDefaults()
			if c.Logger != tc.wantLog || c.Worker.Logger != tc.wantWorker {
				t.Errorf("loggers: rebuild %p worker %p, want %p %p", c.Logger, c.Worker.Logger, tc.wantLog, tc.wantWorker)
			}
			if c.Aside == nil || *c.Aside != tc.wantAside {
				t.Errorf("aside %v, want %v", c.Aside, tc.wantAside)
			}
			if c.Worker.Name != "default" || c.Worker.DBName != "default" || c.Worker.Stream != protocol.DefaultStream {
				t.Errorf("worker defaults not filled: %+v", c.Worker)
			}
			if tc.in != nil && (tc.in.Logger != before.Logger || tc.in.Aside != before.Aside || tc.in.Worker.Name != "") {
				t.Errorf("EnsureDefaults changed the caller's Config: %+v", tc.in)
			}
		})
	}
}

// A stream rebuild's consumer is named after the worker's, with the
// defaults, and stays a valid name however long the worker's is.
func TestConsumerName(t *testing.T) {
	long := strings.Repeat("w", 64)
	cases := []struct {
		name string
		in   worker.Options
		want string
	}{
		{"defaults", worker.Options{}, "memsync-default-default-rebuild"},
		{"named", worker.Options{Name: "laptop-1", DBName: "mem"}, "memsync-mem-laptop-1-rebuild"},
		{"a 64-byte worker name is cut to 56", worker.Options{Name: long}, "memsync-default-" + long[:56] + "-rebuild"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ConsumerName(tc.in); got != tc.want {
				t.Errorf("ConsumerName = %q, want %q", got, tc.want)
			}
			if n := rebuildName(tc.in.EnsureDefaults().Name); !protocol.ValidName(n) {
				t.Errorf("rebuild worker name %q is not a valid name", n)
			}
		})
	}
}

// Run knows two sources; a Turso rebuild needs a database. Neither
// refusal touches the directory.
func TestRunRefusesWhatItCannotDo(t *testing.T) {
	cases := []struct {
		source string
		want   error
	}{
		{"pebble", ErrSource},
		{"", ErrSource},
		{"turso", ErrNoTurso},
	}
	for _, tc := range cases {
		t.Run(tc.source, func(t *testing.T) {
			dir := t.TempDir() + "/cache"
			if _, err := Run(t.Context(), Config{Dir: dir, Logger: slog.New(slog.DiscardHandler)}, tc.source, "test"); !errors.Is(err, tc.want) {
				t.Fatalf("Run(%q): %v, want %v", tc.source, err, tc.want)
			}
			if _, err := os.Stat(stagingDir(dir)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a staging cache was opened (stat: %v)", err)
			}
		})
	}
}
