package rebuild

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/internal/validate"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// The rig of TestStreamReplacedWhileStagingBackfills.

// liveRig is a nats-server with memsync's stream and the database the
// stream carries now (a new file for each replacement).
type liveRig struct {
	t     *testing.T
	js    jetstream.JetStream
	db    *turso.DB
	seeds uint64
	bg    chan error // a disruption finishing in the background (later)
}

func newLiveRig(t *testing.T) *liveRig {
	_, js := testenv.StartNATS(t).Connect(t)
	return &liveRig{t: t, js: js}
}

// newDatabase replaces the database with a new one (another lineage) and
// publishes it: 12 episodes with an embedding each, then the oldest one
// moved to the front of the window, so that a replay of the stream brings
// it in after its embedding and backfills that embedding's body, then
// updates of older episodes.
func (r *liveRig) newDatabase() {
	t := r.t
	r.seeds++
	r.db, _ = testenv.Turso(t)
	if err := seed.Seed(t.Context(), r.db.SQL(), seed.Options{Episodes: 12, Patterns: 1, EmbeddingDim: 4, Seed: r.seeds}); err != nil {
		t.Fatal(err)
	}
	r.publish()
	if _, err := r.db.SQL().ExecContext(t.Context(),
		`UPDATE episodes SET start_time = (SELECT MAX(start_time) + 60 FROM episodes)
		 WHERE episode_id = (SELECT episode_id FROM episodes ORDER BY start_time ASC, episode_id DESC LIMIT 1)`); err != nil {
		t.Fatal(err)
	}
	// and changes after it (the 6 oldest episodes, outside the window), so
	// that the batch that needs the body is not the stream's last: a purge
	// then leaves a hole after the staging cache's position
	if _, err := r.db.SQL().ExecContext(t.Context(),
		`UPDATE episodes SET outcome = '{"type":"Failure"}'
		 WHERE episode_id IN (SELECT episode_id FROM episodes ORDER BY start_time ASC, episode_id DESC LIMIT 6)`); err != nil {
		t.Fatal(err)
	}
	r.publish()
}

// publish runs a changefeed (as restarted) on the database until its change
// log is in the stream: it re-creates a deleted stream, refills a purged
// one, and drops another database's history first.
func (r *liveRig) publish() {
	if err := r.publishErr(); err != nil {
		r.t.Fatal(err)
	}
}

func (r *liveRig) publishErr() error {
	cf, err := changefeed.New(r.db, r.js, &changefeed.Options{Logger: quietLog()})
	if err != nil {
		return err
	}
	for range 1000 {
		res, err := cf.PollOnce(r.t.Context())
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		if res.Changes == 0 {
			return nil
		}
	}
	return errors.New("publish did not converge")
}

// later runs fn after d in the background; mustServe waits for it.
func (r *liveRig) later(d time.Duration, fn func() error) {
	r.bg = make(chan error, 1)
	go func() {
		time.Sleep(d)
		r.bg <- fn()
	}()
}

func (r *liveRig) deleteStream() {
	if err := r.js.DeleteStream(r.t.Context(), protocol.DefaultStream); err != nil {
		r.t.Fatal(err)
	}
}

func (r *liveRig) streamOp(op func(jetstream.Stream) error) {
	s, err := r.js.Stream(r.t.Context(), protocol.DefaultStream)
	if err == nil {
		err = op(s)
	}
	if err != nil {
		r.t.Fatal(err)
	}
}

// mustServe checks the cache swapped in: it follows the database the
// stream carries now and holds nothing wrong about it (stale at most: a
// fresh start may have caught up with a stream the changefeed was still
// refilling), and it is consistent once a worker caught it up, as the
// supervisor's does next.
func (r *liveRig) mustServe(cfg Config, res Result) {
	t := r.t
	if r.bg != nil {
		if err := <-r.bg; err != nil {
			t.Fatal(err)
		}
	}
	if res.Source != "stream" {
		t.Fatalf("rebuilt from %s, want the stream", res.Source)
	}
	store, err := cachestore.Open(cfg.Dir, &cfg.Options)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	lineage, err := r.db.Lineage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := store.State().Lineage; got != lineage {
		t.Fatalf("the cache follows lineage %s, the database is %s", got, lineage)
	}
	if rep := r.validate(store); rep.Diverged != 0 || rep.OrphanEmbeddings != 0 {
		t.Fatalf("the rebuilt cache is wrong about the database: %d diverged, %d orphans: %v", rep.Diverged, rep.OrphanEmbeddings, rep.Examples)
	}
	w, err := worker.New(store, r.js, &worker.Options{Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.CatchUp(t.Context()); err != nil {
		t.Fatalf("the live worker on the rebuilt cache: %v", err)
	}
	if rep := r.validate(store); !rep.Consistent {
		t.Fatalf("the rebuilt cache, caught up, does not match the database: %d stale, %d diverged, %d orphans: %v",
			rep.Stale, rep.Diverged, rep.OrphanEmbeddings, rep.Examples)
	}
}

func (r *liveRig) validate(store *cachestore.Store) *validate.Report {
	rep, err := validate.Run(r.t.Context(), r.db, store, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return rep
}

// restartLog records the errors FromStream starts its staging cache again
// for (its "starting it again" warnings).
type restartLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *restartLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *restartLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *restartLog) WithGroup(string) slog.Handler            { return l }

func (l *restartLog) Handle(_ context.Context, rec slog.Record) error {
	if !strings.Contains(rec.Message, "starting it again") {
		return nil
	}
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" {
			l.mu.Lock()
			l.errs = append(l.errs, a.Value.String())
			l.mu.Unlock()
		}
		return true
	})
	return nil
}

func (l *restartLog) restarts() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.errs...)
}

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
