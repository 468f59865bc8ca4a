package main

import (
	"log/slog"
	"runtime/debug"
	"testing"
	"time"

	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/memstat"
)

// The flag groups produce the components' options: what each flag sets,
// and the translations (--full-recapture-every 0 is "no limit", the worker
// asks for polls on <trigger-subject>.poll).
func TestFlagsProduceComponentOptions(t *testing.T) {
	log := slog.Default()
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, a *runArgs)
	}{
		{"changefeed defaults", nil, func(t *testing.T, a *runArgs) {
			o := a.changefeed.options(&a.streamFlags, log)
			if o.FullRecaptureEvery != changefeed.DefaultFullRecaptureEvery || o.DLQMaxBytes != changefeed.DefaultDLQMaxBytes ||
				o.BatchSize != 500 || o.MaxBatchBytes != changefeed.DefaultMaxBatchBytes || o.PollInterval != 0 || o.Replicas != 1 {
				t.Fatalf("%+v", o)
			}
		}},
		{"changefeed flags", []string{"--db-name", "prod", "--stream", "S", "--dlq-stream", "D", "--publish-batch", "100",
			"--poll-interval", "1s", "--poll-min", "10ms", "--prune-delay", "1m", "--tombstone-ttl", "0", "--replicas", "3",
			"--dlq-max-bytes", "2MiB", "--full-recapture-every", "1h"}, func(t *testing.T, a *runArgs) {
			o := a.changefeed.options(&a.streamFlags, log)
			if o.DBName != "prod" || o.Stream != "S" || o.DLQStream != "D" || o.BatchSize != 100 || o.PollInterval != time.Second ||
				o.PollMin != 10*time.Millisecond || o.PruneDelay != time.Minute || o.TombstoneTTL != 0 || o.Replicas != 3 ||
				o.DLQMaxBytes != 2<<20 || o.FullRecaptureEvery != time.Hour {
				t.Fatalf("%+v", o)
			}
		}},
		{"no re-capture limit", []string{"--full-recapture-every", "0"}, func(t *testing.T, a *runArgs) {
			if o := a.changefeed.options(&a.streamFlags, log); o.FullRecaptureEvery != -1 {
				t.Fatalf("FullRecaptureEvery %v, want -1 (no limit)", o.FullRecaptureEvery)
			}
		}},
		{"worker", []string{"--worker", "w1", "--db-name", "prod", "--batch-size", "64", "--stale-versions", "9",
			"--stale-after", "5s", "--trigger-subject", "ops.trigger"}, func(t *testing.T, a *runArgs) {
			o := a.workerOptions(log)
			if o.Name != "w1" || o.DBName != "prod" || o.BatchSize != 64 || o.StaleVersions != 9 || o.StaleAfter != 5*time.Second ||
				o.TriggerSubject != "ops.trigger.poll" {
				t.Fatalf("%+v", o)
			}
		}},
		{"cache", []string{"--max-episodes", "0", "--no-embeddings"}, func(t *testing.T, a *runArgs) {
			o := a.storeOptions()
			if o.MaxEpisodes != 0 || o.NoPatterns || !o.NoEmbeddings || o.LockWait != lockWait {
				t.Fatalf("%+v", o)
			}
		}},
		{"supervisor defaults", nil, func(t *testing.T, a *runArgs) {
			if b := a.asideBudget(); b.Keep != 1 || b.Bytes != 4<<30 || a.validateEvery != 10*time.Minute {
				t.Fatalf("aside %+v, validate every %v", b, a.validateEvery)
			}
		}},
		{"supervisor flags", []string{"--keep-aside", "0", "--keep-aside-bytes", "1GiB", "--validate-every", "0"}, func(t *testing.T, a *runArgs) {
			if b := a.asideBudget(); b.Keep != 0 || b.Bytes != 1<<30 || a.validateEvery != 0 {
				t.Fatalf("aside %+v, validate every %v", b, a.validateEvery)
			}
		}},
		{"memory limit", []string{"--memory-limit", "300MiB"}, func(t *testing.T, a *runArgs) {
			prev := debug.SetMemoryLimit(-1)
			t.Cleanup(func() { debug.SetMemoryLimit(prev) })
			a.memory.apply(slog.New(slog.DiscardHandler))
			if got := memstat.Read().LimitBytes; a.memory.limit != 300<<20 || got != 300<<20 {
				t.Fatalf("--memory-limit 300MiB: flag %d, limit in force %d", a.memory.limit, got)
			}
		}},
		{"serving", []string{"--serve-addr", "127.0.0.1:0", "--serve-token", "tok", "--no-serve"}, func(t *testing.T, a *runArgs) {
			if a.serve.endpoint.addr != "127.0.0.1:0" || a.serve.endpoint.token != "tok" || !a.serve.noServe {
				t.Fatalf("%+v", a.serve)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			a, err := parseRun(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, a)
		})
	}
}

// --keep-aside-bytes and --dlq-max-bytes take sizes in bytes with a
// binary suffix; --keep-aside a non-negative count.
func TestSizeValues(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"1073741824", 1 << 30, false},
		{"4GiB", 4 << 30, false},
		{"512MiB", 512 << 20, false},
		{"1KB", 1 << 10, false},
		{"2TB", 2 << 40, false},
		{"10B", 10, false},
		{" 3 MiB ", 3 << 20, false},
		{"0", 0, false},
		{"1.5GiB", 0, true},
		{"-1", 0, true},
		{"4XB", 0, true},
		{"9999999999TiB", 0, true}, // overflows int64
		{"", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var b byteSize
			err := b.Set(tc.in)
			if (err != nil) != tc.wantErr || (err == nil && int64(b) != tc.want) {
				t.Fatalf("Set(%q) = %d, %v; want %d, error %v", tc.in, b, err, tc.want, tc.wantErr)
			}
		})
	}
	for _, tc := range []struct {
		in string
		ok bool
	}{{"1MiB", true}, {"256MiB", true}, {"1023KiB", false}, {"0", false}} {
		b := dlqMaxBytes{}
		if err := b.Set(tc.in); (err == nil) != tc.ok {
			t.Errorf("dlq-max-bytes %q: %v, want ok %v", tc.in, err, tc.ok)
		}
	}
	for _, tc := range []struct {
		in string
		ok bool
	}{{"0", true}, {" 2 ", true}, {"-1", false}, {"one", false}} {
		var n keepAsideCount
		if err := n.Set(tc.in); (err == nil) != tc.ok {
			t.Errorf("keep-aside %q: %v, want ok %v", tc.in, err, tc.ok)
		}
	}
}
