package integration

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/rebuild"
)

// The durable consumer a stream rebuild of worker "default" uses.
const growth9RebuildConsumer = "memsync-default-default-rebuild"

// Item 6c of issue 9: no `-rebuild` durable consumer stays on the server. A
// completed rebuild deletes it after its swap, whatever its source (so a
// consumer left by a killed stream rebuild goes with the next rebuild), and
// a stream rebuild that fails (here: cancelled half-way) deletes it too; the
// resumed rebuild re-creates it and deletes it again.
func TestGrowth9RebuildConsumersAreDeleted(t *testing.T) {
	cases := []struct {
		name     string
		source   string
		leftover bool // a killed stream rebuild left its consumer behind
		cancel   bool // the rebuild is cancelled at its first batch, then run again
	}{
		{"stream", "stream", false, false},
		{"stream after a killed one", "stream", true, false},
		{"turso after a killed stream rebuild", "turso", true, false},
		{"stream cancelled half-way, then resumed", "stream", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, w := newEnvWriter(t, 91, 8)
			w.episodes(40)
			e.publishNew(changefeed.Options{})
			opts := cachestore.Options{MaxEpisodes: 5}
			dir := e.builtCache(opts)
			if tc.leftover {
				e.leaveRebuildConsumer()
			}
			cfg := e.rebuildConfig(dir, opts)
			if tc.cancel {
				ctx, cancel := context.WithCancel(t.Context())
				cfg.Worker.BatchSize = 4
				cfg.Progress = func(int, int) { cancel() }
				if _, err := rebuild.Run(ctx, cfg, tc.source, "growth9"); !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled rebuild: %v", err)
				}
				e.noRebuildConsumer("after the cancelled rebuild")
				cfg.Progress = nil
			}
			if _, err := rebuild.Run(t.Context(), cfg, tc.source, "growth9"); err != nil {
				t.Fatal(err)
			}
			e.noRebuildConsumer("after the rebuild")
			c := e.caughtUp(dir, opts, cfg.Worker)
			e.mustConsistent(c)
			c.close(t)
		})
	}
}

// leaveRebuildConsumer creates the consumer a stream rebuild killed with
// SIGKILL leaves on the server.
func (e *env) leaveRebuildConsumer() {
	e.t.Helper()
	s, err := e.js.Stream(e.t.Context(), "MEMSYNC")
	mustDo(e.t, err)
	_, err = s.CreateOrUpdateConsumer(e.t.Context(), jetstream.ConsumerConfig{Durable: growth9RebuildConsumer, AckPolicy: jetstream.AckAllPolicy})
	mustDo(e.t, err)
}

func (e *env) noRebuildConsumer(when string) {
	e.t.Helper()
	s, err := e.js.Stream(e.t.Context(), "MEMSYNC")
	mustDo(e.t, err)
	names := s.ConsumerNames(e.t.Context())
	for n := range names.Name() {
		if strings.HasSuffix(n, "-rebuild") {
			e.t.Fatalf("%s: consumer %s is still on the server", when, n)
		}
	}
	mustDo(e.t, names.Err())
}
