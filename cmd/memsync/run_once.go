package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/worker"
)

// run --once: publish the whole change log while the worker applies it,
// then say what to try next (runOnce in cmd_pipeline.go repairs the cache
// around it).

// publishAndApply publishes the whole change log while the worker applies it
// (the two overlap), then drains the worker and reports.
func publishAndApply(ctx context.Context, cf *changefeed.Changefeed, w *worker.Worker, log *slog.Logger) error {
	start := time.Now()
	published := 0
	done := make(chan struct{})
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(done)
		var err error
		published, err = publishAll(gctx, cf, log)
		return err
	})
	applied := 0
	g.Go(func() error {
		var err error
		applied, err = applyUntil(gctx, w, done)
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	counts, _ := w.Store().Counts()
	st := w.Store().State()
	fmt.Printf("caught up in %s: published %d changes, worker processed %d messages; cache holds %d episodes, %d patterns, %d embeddings (applied version %d)\n",
		time.Since(start).Round(time.Millisecond), published, applied, counts.Episodes, counts.Patterns, counts.Embeddings, st.AppliedVersion)
	return nil
}

// publishAll polls the change log until a poll finds nothing new.
func publishAll(ctx context.Context, cf *changefeed.Changefeed, log *slog.Logger) (int, error) {
	p := newProgress("publish", log)
	defer p.done()
	published := 0
	for {
		r, err := cf.PollOnce(ctx)
		if err != nil {
			return published, err
		}
		published += r.Published
		p.update(int(r.Cursor), int(r.Head))
		if r.Changes == 0 {
			return published, nil
		}
	}
}

// applyUntil catches the worker up repeatedly until the publisher is done,
// then once more to drain what it published last.
func applyUntil(ctx context.Context, w *worker.Worker, published <-chan struct{}) (int, error) {
	total := 0
	for {
		finished := false
		select {
		case <-published:
			finished = true
		default:
		}
		n, err := w.CatchUp(ctx)
		total += n
		if errors.Is(err, jetstream.ErrStreamNotFound) && !finished {
			err = nil // the changefeed has not created the stream yet
		}
		if err != nil || finished {
			return total, err
		}
		if n == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// printNext names the commands a newcomer tries after the first sync.
func (c *workerHost) printNext() {
	dd := ""
	if c.dataDir != "./memsync-data" {
		dd = " --data-dir " + c.dataDir
	}
	fmt.Printf("next (the binary: go build -o memsync ./cmd/memsync):\n"+
		"  memsync recent%[1]s                                   # the most recent cached episodes\n"+
		"  memsync search%[1]s \"flaky integration tests\" --explain  # hybrid search with each score component\n"+
		"  memsync run%[1]s                                      # keep following Turso and serve agents (memsync mcp)\n", dd)
}
