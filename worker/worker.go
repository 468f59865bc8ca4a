package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/outage"
	"github.com/memsync/memsync/protocol"
)

// Worker applies the stream to one cache.
type Worker struct {
	store  Cache
	js     jetstream.JetStream
	opts   Options
	log    *slog.Logger
	stream jetstream.Stream
	cons   jetstream.Consumer
	stats  stats
	outage outage.Tracker
	// lastContact is when a fetch last succeeded (zero before the first).
	lastContact time.Time
	// slowWait is the wait of the next fetch after fetches cut by their
	// deadline (0: FetchWait; fetch.go nextWait).
	slowWait time.Duration
	// ahead is the fetch of the next batch while one is applied
	// (prefetch.go); nil when none runs.
	ahead *prefetch
	// tidied: the last idle Tidy step removed nothing and no batch was
	// applied since (tidy.go); false at start.
	tidied bool
	health health
	// now is the clock of the staleness, lag and tombstone-expiry
	// decisions and of the outage tracker (time.Now; tests inject a fake
	// clock). Batch durations (metrics) are measured on the real clock.
	now func() time.Time
	// wrapConsumer, set by tests, wraps the bound consumer to inject a
	// server behaviour a small stream does not show (catchup_test.go).
	wrapConsumer func(jetstream.Consumer) jetstream.Consumer
}

// New builds a Worker (opts nil: the defaults); nothing runs until Run or
// CatchUp.
func New(store Cache, js jetstream.JetStream, opts *Options) (*Worker, error) {
	o := *opts.EnsureDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	w := &Worker{store: store, js: js, opts: o, log: o.Logger.With("component", "worker", "worker", o.Name), now: time.Now}
	w.outage.Now = func() time.Time { return w.now() }
	return w, nil
}

// Store is the worker's cache (reads never wait on the network): the
// *cachestore.Store New was given, nil when it was given another Cache.
func (w *Worker) Store() *cachestore.Store {
	s, _ := w.store.(*cachestore.Store)
	return s
}

// Run consumes until ctx is done. NATS outages are retried with backoff;
// errors that only a rebuild repairs (see NeedsRebuild) are returned.
func (w *Worker) Run(ctx context.Context) error {
	w.health.started = w.now()
	sub, err := w.js.Conn().Subscribe(protocol.HeartbeatSubject(w.opts.DBName), w.onHeartbeat)
	if err == nil {
		defer sub.Unsubscribe()
	}
	return w.loop(ctx)
}

func (w *Worker) loop(ctx context.Context) error {
	defer w.dropPrefetch()
	bo := outage.NewBackoff()
	for ctx.Err() == nil {
		err := w.step(ctx)
		w.evaluate(w.now())
		if ctx.Err() != nil {
			break
		}
		if err == nil {
			w.outage.Recover(w.log, "worker recovered")
			bo.Reset()
			continue
		}
		if NeedsRebuild(err) || errors.Is(err, ErrOptions) {
			return err
		}
		w.outage.Fail(w.log, "worker step failing; serving reads from the cache, retrying with backoff", err)
		w.cons = nil
		if !outage.Sleep(ctx, bo.NextBackOff()) {
			break
		}
	}
	if !w.lastContact.IsZero() {
		_ = w.store.Touch(w.lastContact) // graceful stop: remember when we were last in sync
	}
	return nil
}

// NeedsRebuild reports errors that only a rebuild of the cache repairs.
func NeedsRebuild(err error) bool {
	return errors.Is(err, ErrStreamReplaced) || errors.Is(err, ErrLineageChanged) ||
		errors.Is(err, ErrTombstonesExpired) || errors.Is(err, ErrStuck) ||
		errors.Is(err, cachestore.ErrCorrupt) || errors.Is(err, cachestore.ErrConfigChanged)
}

// step binds the consumer if needed and processes one fetched batch.
func (w *Worker) step(ctx context.Context) error {
	if w.cons == nil {
		if err := w.bind(ctx); err != nil {
			return err
		}
	}
	n, err := w.fetchAndApply(ctx, w.nextWait())
	if err == nil && n == 0 && w.cons != nil {
		// an empty fetch the server ended: the startup catch-up is done
		// (readiness); one cut by its deadline (the consumer dropped) says
		// nothing about what is left
		w.markCaughtUp()
		return w.tidy(ctx)
	}
	return err
}

// markCaughtUp records the end of the startup catch-up (readiness) and logs
// how long it took from Run's start, once.
func (w *Worker) markCaughtUp() {
	w.health.mu.Lock()
	first, started := !w.health.h.CaughtUp, w.health.started
	w.health.h.CaughtUp = true
	w.health.mu.Unlock()
	if first && !started.IsZero() {
		w.log.Info("caught up", "took", w.now().Sub(started).Round(time.Millisecond), "applied", w.stats.applied.Load())
	}
}

// CatchUp consumes until nothing is pending and returns how many messages
// it processed.
func (w *Worker) CatchUp(ctx context.Context) (int, error) {
	n, err := w.catchUp(ctx)
	if err == nil {
		w.markCaughtUp()
	}
	return n, err
}

func (w *Worker) catchUp(ctx context.Context) (int, error) {
	defer w.dropPrefetch()
	if err := w.bind(ctx); err != nil {
		return 0, err
	}
	total, pending := 0, w.pending(ctx)
	wait := noWait
	for {
		n, err := w.fetchAndApply(ctx, wait)
		total += n
		if w.opts.Progress != nil && n > 0 {
			w.opts.Progress(total, pending)
		}
		if err != nil {
			return total, err
		}
		if n > 0 {
			wait = noWait
			continue
		}
		if w.cons == nil {
			// A waiting fetch was cut by its deadline (a slow server):
			// INVARIANT 3 dropped the consumer; what is pending is asked
			// of the one bound again.
			if err := w.bind(ctx); err != nil {
				return total, err
			}
		}
		info, err := w.cons.Info(ctx)
		if err != nil {
			return total, err
		}
		if info.NumPending == 0 && info.NumAckPending == 0 {
			return total, nil
		}
		wait = w.catchUpWaitFor(info.NumPending)
	}
}

// catchUpWaitFor is the wait of the fetch after an empty no-wait fetch
// that left the consumer not drained.
//
// INVARIANT 3 (catch-up progresses): messages pending after it are the
// server still loading them (a large stream on disk answers a no-wait
// request before it found the next message): the next fetch waits for
// the first of them, up to catchUpWait. With none pending, what is left
// is acknowledged messages whose acks the server has not processed yet
// (Ack does not wait for it) or acks lost, redelivered after AckWait:
// nothing new will come, so the fetch waits only FetchWait (longer after
// a fetch cut by its deadline, as nextWait) and the consumer is asked
// again (a run --once waited the whole 5 s once).
func (w *Worker) catchUpWaitFor(pending uint64) time.Duration {
	if pending == 0 {
		return w.nextWait()
	}
	return catchUpWait
}

// catchUpWait is the longest wait of a catch-up fetch after a no-wait
// fetch came back empty with messages pending.
const catchUpWait = 5 * time.Second

func (w *Worker) pending(ctx context.Context) int {
	info, err := w.cons.Info(ctx)
	if err != nil {
		return 0
	}
	return int(info.NumPending)
}
