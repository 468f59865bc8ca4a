package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/outage"
)

// fetchAndApply fetches one batch (or takes the one prefetched), applies
// it durably, then acknowledges it. A full batch has the next one fetched
// while it is applied.
func (w *Worker) fetchAndApply(ctx context.Context, wait time.Duration) (int, error) {
	msgs, pre, ok, err := w.takePrefetch(ctx)
	if !ok && err == nil {
		if w.cons == nil { // the prefetch ended abnormally
			if err := w.bind(ctx); err != nil {
				return 0, err
			}
		}
		msgs, err = w.fetch(ctx, wait)
	}
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	if len(msgs) == w.opts.BatchSize && w.cons != nil {
		w.startPrefetch()
	}
	n, err := w.applyFetched(ctx, msgs, pre)
	if err != nil {
		w.dropPrefetch()
	}
	return n, err
}

// applyFetched decodes (what pre has not), applies and acknowledges one
// fetched batch.
func (w *Worker) applyFetched(ctx context.Context, msgs []jetstream.Msg, pre []decodedMsg) (int, error) {
	d, err := w.decode(ctx, msgs, pre)
	if err != nil {
		return 0, err
	}
	b := d.batch
	start := time.Now()
	st, err := w.apply(ctx, b)
	if err != nil {
		return 0, err
	}
	// INVARIANT 3: acknowledge only after Apply committed the batch and the
	// position with Sync. AckAll on the last message covers the batch;
	// terminating a parked message acknowledges it and, under AckAll, every
	// message before it, so that too waits for the commit.
	w.terminate(d.parked)
	if err := msgs[len(msgs)-1].Ack(); err != nil {
		w.log.Debug("ack lost; the batch will be redelivered as no-ops", "error", err)
	}
	w.tidied = false
	w.stats.record(len(msgs), st, b, time.Since(start))
	if w.opts.OnBatch != nil {
		w.opts.OnBatch(len(msgs), time.Since(start))
	}
	w.log.Debug("batch applied", "messages", len(msgs), "applied", st.Applied, "skipped", st.Skipped,
		"backfilled", st.Backfilled, "position", b.Position, "took", time.Since(start))
	return len(msgs), nil
}

// noWait makes a fetch take what is there now (catching up).
const noWait time.Duration = 0

// fetch returns the next messages. wait noWait (catching up): what is
// there now, up to BatchSize. Otherwise it waits up to wait (or ctx) for
// the first message and returns it with whatever else has arrived by then.
//
// INVARIANT 3 (applies what arrived): a fetch never waits for a batch to
// fill: a pull request of a single message waits and ends as soon as that
// message is delivered, a second one without waiting takes what else is
// there, up to BatchSize.
func (w *Worker) fetch(ctx context.Context, wait time.Duration) ([]jetstream.Msg, error) {
	if wait == noWait {
		msgs, cut, err := drainNoWait(w.cons, w.opts.BatchSize)
		if cut {
			w.cons = nil // INVARIANT 3, as below
		}
		return w.fetched(ctx, msgs, err)
	}
	fctx, cancel := context.WithTimeout(ctx, fetchDeadline(wait))
	msgs, cut, err := drain(w.cons.Fetch(1, jetstream.FetchContext(fctx)))
	cancel()
	w.noteWait(cut && ctx.Err() == nil, len(msgs) > 0, wait)
	if cut {
		// INVARIANT 3: a request ended on its context may have dropped a
		// message delivered to it; under AckAll, acknowledging a later one
		// would acknowledge it unapplied. The consumer is bound again
		// first, and re-created at the cache's position if the server
		// delivered past it (bind.go, agrees).
		w.cons = nil
	}
	if err != nil || cut || len(msgs) == 0 || w.opts.BatchSize == 1 || ctx.Err() != nil {
		return w.fetched(ctx, msgs, err)
	}
	rest, cut, err := drainNoWait(w.cons, w.opts.BatchSize-1)
	if cut {
		w.cons = nil // INVARIANT 3, as above
	}
	if err != nil {
		// The first message is applied alone; the rest comes next time.
		w.log.Debug("fetch of what else arrived failed", "error", err)
	}
	return w.fetched(ctx, append(msgs, rest...), nil)
}

// nextWait is the wait of the next waiting fetch: FetchWait, or longer
// after fetches cut by their deadline (noteWait).
func (w *Worker) nextWait() time.Duration {
	return max(w.opts.FetchWait, w.slowWait)
}

// noteWait records how a waiting fetch of wait ended: cut by its own
// deadline, with messages, or ended empty by the server.
//
// INVARIANT 3 (a slow server is waited out): after a fetch cut by its own
// deadline the next one waits twice as long, up to catchUpWait; the wait
// stays while messages arrive (a fetch returns at the first message, so a
// long wait costs nothing then), and goes back to FetchWait once the
// server ends a fetch empty within it. A server slower than FetchWait to
// deliver (at 1M episodes under an update burst, a fresh consumer's first
// message) was otherwise cut at every fetch, the consumer re-created each
// time, and nothing applied for minutes (the scale run: 92 re-creations in
// 2.5 minutes, 0 messages applied).
func (w *Worker) noteWait(cut, delivered bool, wait time.Duration) {
	switch {
	case cut:
		w.slowWait = min(2*wait, max(catchUpWait, w.opts.FetchWait))
	case !delivered:
		w.slowWait = 0
	}
}

// fetchDeadline is the fetch context's timeout that makes the server's own
// expiry of the request FetchWait: jetstream gives the server the time
// left less a tenth of it, at most 1s less. The server ends the request
// (an empty answer, nothing in flight) before the client gives up on it.
func fetchDeadline(wait time.Duration) time.Duration {
	if wait <= 9*time.Second {
		return wait * 10 / 9
	}
	return wait + time.Second
}

// fetched notes the contact with the server and ends on ctx.
func (w *Worker) fetched(ctx context.Context, msgs []jetstream.Msg, err error) ([]jetstream.Msg, error) {
	if err != nil {
		return nil, err
	}
	w.lastContact = w.now()
	return msgs, ctx.Err()
}

// drain reads one pull request to its end; cut reports a request ended by
// its context (deadline or cancel) rather than by the server. A wait that
// ran out is an empty fetch, not an error.
func drain(batch jetstream.MessageBatch, err error) (msgs []jetstream.Msg, cut bool, _ error) {
	if err != nil {
		return nil, false, fmt.Errorf("worker: fetch: %w", err)
	}
	for m := range batch.Messages() {
		msgs = append(msgs, m)
	}
	err = batch.Error()
	cut = errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
	if err != nil && len(msgs) == 0 && !cut && !errors.Is(err, nats.ErrTimeout) {
		return nil, false, fmt.Errorf("worker: fetch: %w", err)
	}
	return msgs, cut, nil
}

// drainNoWait reads a no-wait fetch to its end; cut also reports one the
// client gave up on.
//
// INVARIANT 3: nats.go ends a fetch, with no error, once no message came
// for its expiry plus 1 s (a no-wait request has no expiry): a server
// stalled longer than that mid-batch delivers the rest to a request
// nobody reads, counted delivered and never applied, and under AckAll the
// ack of a later message would cover them. A no-wait fetch that took that
// long and brought less than it asked for counts as cut (the consumer is
// bound again, as after a cut wait); a server merely slow to answer costs
// a bind.
func drainNoWait(c jetstream.Consumer, n int) ([]jetstream.Msg, bool, error) {
	start := time.Now()
	msgs, cut, err := drain(c.FetchNoWait(n))
	return msgs, cut || len(msgs) < n && time.Since(start) >= noWaitGiveUp, err
}

// noWaitGiveUp is when a no-wait fetch may have been given up by the
// client (nats.go jetstream pull.go: 1 s without a message), with a
// margin.
const noWaitGiveUp = 900 * time.Millisecond

// maxUnavailable is how many times a batch may fail for a body missing from
// the stream before the cache is declared stuck (and rebuilt).
const maxUnavailable = 5

// apply retries transient failures (a backfill that could not reach NATS)
// with backoff while holding the same messages.
func (w *Worker) apply(ctx context.Context, b cachestore.Batch) (cachestore.ApplyStats, error) {
	bo := outage.NewBackoff()
	for attempt := 1; ; attempt++ {
		st, err := w.store.Apply(ctx, b, source{w})
		if err == nil || NeedsRebuild(err) || ctx.Err() != nil {
			return st, err
		}
		if errors.Is(err, cachestore.ErrBodyUnavailable) && attempt >= maxUnavailable {
			return st, fmt.Errorf("%w after %d attempts: %v", ErrStuck, attempt, err)
		}
		w.outage.Fail(w.log, "worker step failing; serving reads from the cache, retrying with backoff", err)
		if !outage.Sleep(ctx, bo.NextBackOff()) {
			return st, ctx.Err()
		}
	}
}
