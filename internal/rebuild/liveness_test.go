package rebuild

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// TestStreamReplacedWhileStagingBackfills: a stream rebuild (a corrupt
// cache's repair) holds a fetched batch whose window refill needs a body
// from the stream, and right then the stream changes under it: the
// changefeed drops the history of a replaced database and publishes the new
// one, or the stream is purged (and refilled), or deleted (and re-created),
// once or at successive fresh starts (the CI schedule that hung: a
// replaced database, then a purge). Real nats-server, libSQL files, Pebble
// dirs and changefeed; the hook only pauses the staging worker ahead of its
// first body request of each fresh start while the disruption runs.
//
// The rebuild must start again on the stream as it is (at once, not after a
// batch retried for bodies that history no longer has: no restart for a
// stuck batch) and swap in a cache consistent with the database the stream
// carries at the end.
func TestStreamReplacedWhileStagingBackfills(t *testing.T) {
	replace := func(r *liveRig) { r.newDatabase() }
	purge := func(r *liveRig) {
		r.streamOp(func(s jetstream.Stream) error { return s.Purge(r.t.Context()) })
		r.publish()
	}
	recreate := func(r *liveRig) {
		r.deleteStream()
		r.publish()
	}
	recreateLater := func(r *liveRig) { // the batch in hand finds no stream at all
		r.deleteStream()
		r.later(300*time.Millisecond, r.publishErr)
	}
	cases := []struct {
		name    string
		disrupt []func(*liveRig) // the nth runs in the nth fresh start's first body request
	}{
		{"database replaced", []func(*liveRig){replace}},
		{"stream purged twice", []func(*liveRig){purge, purge}},
		{"database replaced, then the stream purged", []func(*liveRig){replace, purge}},
		{"stream deleted and re-created", []func(*liveRig){recreate}},
		{"stream deleted, re-created while the rebuild waits", []func(*liveRig){recreateLater}},
		{"replaced three times", []func(*liveRig){replace, replace, replace}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newLiveRig(t)
			r.newDatabase()
			logs := &restartLog{}
			cfg := Config{Dir: filepath.Join(t.TempDir(), "cache"), Options: cachestore.Options{MaxEpisodes: 5}, JS: r.js,
				Worker: worker.Options{BatchSize: 4, FetchWait: 50 * time.Millisecond, Logger: slog.New(logs)}}
			ran := map[int]bool{}
			cfg.beforeBody = func(fill int) {
				if fill < len(tc.disrupt) && !ran[fill] {
					ran[fill] = true
					tc.disrupt[fill](r)
				}
			}
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a hang fails, not times the suite out
			defer cancel()
			res, err := FromStream(ctx, cfg, "corrupt")
			if err != nil {
				t.Fatalf("stream rebuild: %v (restarts: %q)", err, logs.restarts())
			}
			if len(ran) != len(tc.disrupt) {
				t.Fatalf("%d of %d disruptions staged: the staging worker asked for no body", len(ran), len(tc.disrupt))
			}
			if got := logs.restarts(); len(got) != len(tc.disrupt) {
				t.Errorf("%d fresh starts, want %d (one per change of the stream): %q", len(got), len(tc.disrupt), got)
			}
			for _, why := range logs.restarts() {
				if strings.Contains(why, worker.ErrStuck.Error()) {
					t.Errorf("restarted only once the batch was stuck, not when the stream changed: %s", why)
				}
			}
			t.Logf("fresh starts: %q", logs.restarts())
			r.mustServe(cfg, res)
		})
	}
}

// TestRebuildWaitsForADeletedStream: a rebuild that starts while the stream
// is missing (deleted by an operator or a fault just before a corrupt cache
// was found; the changefeed re-creates it) waits for it, from either
// source, instead of failing: a failed rebuild stopped the worker process
// for good (the robustness schedule seed 3530047402765097587: delete
// stream, then corrupt cache). Without a StreamWait (the CLI's rebuild) it
// fails at once, naming the stream.
func TestRebuildWaitsForADeletedStream(t *testing.T) {
	t.Run("no wait", func(t *testing.T) {
		r := newLiveRig(t)
		r.newDatabase()
		r.deleteStream()
		cfg := Config{Dir: filepath.Join(t.TempDir(), "cache"), JS: r.js, DB: r.db, Worker: worker.Options{Logger: quietLog()}}
		for _, source := range []string{"stream", "turso"} {
			_, err := Run(t.Context(), cfg, source, "manual")
			if !errors.Is(err, jetstream.ErrStreamNotFound) || !strings.Contains(err.Error(), protocol.DefaultStream) {
				t.Errorf("%s rebuild without a stream and no wait: %v, want the missing stream named", source, err)
			}
		}
	})
	for _, source := range []string{"stream", "turso"} {
		t.Run(source, func(t *testing.T) {
			r := newLiveRig(t)
			r.newDatabase()
			r.deleteStream()
			r.later(300*time.Millisecond, r.publishErr)
			cfg := Config{Dir: filepath.Join(t.TempDir(), "cache"), Options: cachestore.Options{MaxEpisodes: 5}, JS: r.js,
				Worker: worker.Options{BatchSize: 4, FetchWait: 50 * time.Millisecond, Logger: quietLog()}, StreamWait: DefaultStreamWait}
			if source == "turso" {
				cfg.DB = r.db
			}
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			res, err := Run(ctx, cfg, source, "corrupt")
			if err != nil {
				t.Fatalf("%s rebuild with the stream missing at its start: %v", source, err)
			}
			if source == "stream" {
				r.mustServe(cfg, res)
				return
			}
			if err := <-r.bg; err != nil {
				t.Fatal(err)
			}
			if res.Source != "turso" || res.Entities == 0 {
				t.Fatalf("rebuilt %+v, want entities from Turso", res)
			}
		})
	}
}
