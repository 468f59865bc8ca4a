package speedtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/worker"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// pipeline is one changefeed and one worker on a cache, as `memsync run`
// builds them with the default options.
type pipeline struct {
	db    *turso.DB
	cf    *changefeed.Changefeed
	store *cachestore.Store
	w     *worker.Worker
	// serial makes coldSync apply only after the publisher is done.
	serial bool
}

// tuning replaces two library defaults (zero: keep the default).
type tuning struct {
	poll, fetchWait time.Duration
	onBatch         func(messages int, took time.Duration) // the worker's OnBatch
	cfBatch         func(messages int, took time.Duration) // the changefeed's OnBatch
	serial          bool                                   // coldSync applies after the publisher is done
}

func newPipeline(db *turso.DB, js jetstream.JetStream, cacheDir string, o *cachestore.Options, t tuning) (*pipeline, error) {
	cf, err := changefeed.New(db, js, &changefeed.Options{PollInterval: t.poll, OnBatch: t.cfBatch, Logger: quiet()})
	if err != nil {
		return nil, err
	}
	store, err := cachestore.Open(cacheDir, o)
	if err != nil {
		return nil, err
	}
	w, err := worker.New(store, js, &worker.Options{Name: "speedtest", FetchWait: t.fetchWait, OnBatch: t.onBatch, Logger: quiet()})
	if err != nil {
		store.Close()
		return nil, err
	}
	return &pipeline{db: db, cf: cf, store: store, w: w, serial: t.serial}, nil
}

// phases says when, from its start, a cold sync's publisher and applier
// finished.
type phases struct{ published, applied time.Duration }

// batchMeter counts the changefeed's atomic batches (its OnBatch).
type batchMeter struct{ n, msgs, took atomic.Int64 }

func (m *batchMeter) record(messages int, took time.Duration) {
	m.n.Add(1)
	m.msgs.Add(int64(messages))
	m.took.Add(int64(took))
}

// meanMillis is the mean time of a batch's publish, in ms.
func (m *batchMeter) meanMillis() float64 {
	return float64(m.took.Load()) / float64(max(m.n.Load(), 1)) / 1e6
}

// take returns what was recorded since the last take and starts again.
func (m *batchMeter) take() (batches, messages int64, took time.Duration) {
	return m.n.Swap(0), m.msgs.Swap(0), time.Duration(m.took.Swap(0))
}

// coldSync publishes the whole change log while the worker applies it, as
// `memsync run --once` does (cmd/memsync catchUpOnce): the publisher and
// the applier overlap, each in its own goroutine and pprof stage.
func (p *pipeline) coldSync(ctx context.Context, stage string) (phases, error) {
	var ph phases
	start := time.Now()
	done := make(chan struct{})
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		defer close(done)
		inStage(gctx, stage+"-publish", func(ctx context.Context) { err = publishAll(ctx, p.cf) })
		ph.published = time.Since(start)
		return err
	})
	g.Go(func() (err error) {
		if p.serial {
			<-done
		}
		inStage(gctx, stage+"-apply", func(ctx context.Context) { err = applyUntil(ctx, p.w, done) })
		ph.applied = time.Since(start)
		return err
	})
	return ph, g.Wait()
}

func publishAll(ctx context.Context, cf *changefeed.Changefeed) error {
	for {
		r, err := cf.PollOnce(ctx)
		if err != nil || r.Changes == 0 {
			return err
		}
	}
}

// applyUntil catches the worker up until the publisher is done, then once
// more to drain what it published last.
func applyUntil(ctx context.Context, w *worker.Worker, published <-chan struct{}) error {
	for {
		finished := false
		select {
		case <-published:
			finished = true
		default:
		}
		n, err := w.CatchUp(ctx)
		if errors.Is(err, jetstream.ErrStreamNotFound) && !finished {
			err = nil // the changefeed has not created the stream yet
		}
		if err != nil || finished {
			return err
		}
		if n == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// checkColdSync: lag 0 (the applied version is the change-log head) and,
// with an unbounded window, every row of the data set in the cache.
//
// Rule (speedtest): the cold-sync rate is reported only for a sync
// that reached lag 0 with the whole data set.
func (p *pipeline) checkColdSync(ctx context.Context, rows int, unbounded bool) error {
	head, err := p.db.Head(ctx)
	if err != nil {
		return err
	}
	if applied := p.store.State().AppliedVersion; applied != head {
		return fmt.Errorf("%w: applied version %d, head %d", ErrLag, applied, head)
	}
	c, err := p.store.Counts()
	if err != nil {
		return err
	}
	if got := c.Episodes + c.Patterns + c.Embeddings; unbounded && got != rows {
		return fmt.Errorf("%w: the cache holds %d rows (%+v), the data set %d", ErrMismatch, got, c, rows)
	}
	return nil
}

// openCost is what opening a synced cache costs: with the integrity scan
// (the default, before a worker is ready) and without it.
type openCost struct {
	verify, skip time.Duration
	scan         cachestore.ScanStats
}

// add sums one measurement into c.
func (c *openCost) add(m openCost, err error) error {
	c.verify, c.skip = c.verify+m.verify, c.skip+m.skip
	c.scan.Keys, c.scan.Bytes = c.scan.Keys+m.scan.Keys, c.scan.Bytes+m.scan.Bytes
	return err
}

func measureOpen(dir string, o cachestore.Options) (openCost, error) {
	var c openCost
	for _, skip := range []bool{false, true} {
		o.SkipVerify = skip
		start := time.Now()
		st, err := cachestore.Open(dir, &o)
		if err != nil {
			return c, err
		}
		took := time.Since(start)
		if skip {
			c.skip = took
		} else {
			c.verify, c.scan = took, st.IntegrityScan()
		}
		if err := st.Close(); err != nil {
			return c, err
		}
	}
	return c, nil
}

// deleteStreams removes memsync's streams so that a cold sync starts from none.
func deleteStreams(ctx context.Context, js jetstream.JetStream) {
	for _, s := range []string{"MEMSYNC", "MEMSYNC_DLQ"} {
		_ = js.DeleteStream(ctx, s) // absent the first time
	}
}
