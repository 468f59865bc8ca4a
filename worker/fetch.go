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

// fetchAndApply fetches one batch, applies it durably, then acknowledges it.
func (w *Worker) fetchAndApply(ctx context.Context, noWait bool) (int, error) {
	msgs, err := w.fetch(ctx, noWait)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	d, err := w.decode(ctx, msgs)
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
	w.stats.record(len(msgs), st, b, time.Since(start))
	if w.opts.OnBatch != nil {
		w.opts.OnBatch(len(msgs), time.Since(start))
	}
	w.log.Debug("batch applied", "messages", len(msgs), "applied", st.Applied, "skipped", st.Skipped,
		"backfilled", st.Backfilled, "position", b.Position, "took", time.Since(start))
	return len(msgs), nil
}

func (w *Worker) fetch(ctx context.Context, noWait bool) ([]jetstream.Msg, error) {
	var batch jetstream.MessageBatch
	var err error
	if noWait {
		batch, err = w.cons.FetchNoWait(w.opts.BatchSize)
	} else {
		batch, err = w.cons.Fetch(w.opts.BatchSize, jetstream.FetchMaxWait(w.opts.FetchWait))
	}
	if err != nil {
		return nil, fmt.Errorf("worker: fetch: %w", err)
	}
	var msgs []jetstream.Msg
	for m := range batch.Messages() {
		msgs = append(msgs, m)
	}
	if err := batch.Error(); err != nil && len(msgs) == 0 && !errors.Is(err, nats.ErrTimeout) {
		return nil, fmt.Errorf("worker: fetch: %w", err)
	}
	w.lastContact = time.Now()
	return msgs, ctx.Err()
}

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
