package changefeed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/synadia-io/orbit.go/jetstreamext"
	"golang.org/x/sync/errgroup"
)

// Result reports one PollOnce step.
type Result struct {
	Changes     int    // change-log rows covered
	Published   int    // entity messages published
	DeadLetters int    // rows parked in the dead-letter stream
	Cursor      uint64 // cursor after the step
	Head        uint64 // change-log head seen
	Full        bool   // more is ready: poll again at once
}

// maxResync bounds the re-synchronizations one PollOnce makes.
const maxResync = 3

// PollOnce reads one batch from the change log and publishes it with its
// checkpoint as atomic batches. When the database or the stream changed
// under the changefeed (ErrResync), it re-synchronizes and tries again at
// once, so `run --once` survives them too.
func (c *Changefeed) PollOnce(ctx context.Context) (Result, error) {
	for attempt := 1; ; attempt++ {
		res, err := c.step(ctx)
		if !errors.Is(err, ErrResync) || attempt == maxResync || ctx.Err() != nil {
			return res, err
		}
		c.log.Info("re-synchronizing", "reason", err)
	}
}

// step publishes one batch. When the batch was full, the next one is read
// from Turso while this one is being published (pipelining); it is used by
// the next step only if the cursor is then where that read started.
func (c *Changefeed) step(ctx context.Context) (Result, error) {
	if err := c.ensureReady(ctx); err != nil {
		c.ahead = nil
		return Result{}, err
	}
	cur := c.cur
	b, err := c.batchAt(ctx, cur.Cursor)
	if err != nil {
		return Result{}, c.readFailed(err)
	}
	if err := c.checkHistory(b); err != nil {
		return Result{}, err
	}
	res := Result{Changes: b.changes, Cursor: cur.Cursor, Head: b.head, Full: b.full}
	c.stats.head.Store(b.head)
	if b.changes == 0 {
		return res, c.verifyStream(ctx)
	}
	out, dead, err := c.buildBatch(ctx, b, cur)
	if err != nil {
		return res, err
	}
	res.DeadLetters = dead
	res.Full = res.Full || out.cursor < b.cursor
	return res, c.publishReadingAhead(ctx, out, b, &res)
}

// batchAt returns the read-ahead batch when it starts at from, else reads.
func (c *Changefeed) batchAt(ctx context.Context, from uint64) (*readBatch, error) {
	if a := c.ahead; a != nil && a.from == from {
		c.ahead = nil
		return a, nil
	}
	c.ahead = nil
	return c.read(ctx, from)
}

// publishReadingAhead publishes out and, if b was full, reads the next
// batch meanwhile. Both goroutines end before it returns.
func (c *Changefeed) publishReadingAhead(ctx context.Context, out *outBatch, b *readBatch, res *Result) error {
	var pubErr error
	readAhead := b.full && out.cursor == b.cursor // before publishing: a split moves out.cursor
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		pubErr = c.publishSplitting(gctx, out, res)
		return pubErr
	})
	var ahead *readBatch
	if readAhead {
		if next, err := c.read(gctx, b.cursor); err == nil {
			ahead = next
		}
	}
	_ = g.Wait()
	if pubErr == nil {
		c.ahead = ahead
	} else {
		c.needReload = true
	}
	return pubErr
}

// publish sends msgs and the checkpoint for newCursor as one atomic batch
// fenced on the current checkpoint, within a timeout scaled to the batch.
func (c *Changefeed) publish(ctx context.Context, msgs []*nats.Msg, bytes int, newCursor, head uint64, res *Result) error {
	cp, err := c.checkpointMsg(c.cur, newCursor, head)
	if err != nil {
		return err
	}
	timeout := c.batchTimeout(bytes, len(msgs)+1)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	all := append(msgs[:len(msgs):len(msgs)], cp)
	ack, err := jetstreamext.PublishMsgBatch(ctx, c.js, all, jetstreamext.BatchFlowControl{AckFirst: true, AckTimeout: timeout})
	if err != nil {
		if isFenced(err) {
			return fmt.Errorf("%w: %v", ErrFenced, err)
		}
		return c.streamFailed(fmt.Errorf("changefeed: publish batch: %w", err))
	}
	now := time.Now()
	c.cur = cursor{Cursor: newCursor, Seq: ack.Sequence, Epoch: c.cur.Epoch, PublishedAt: now.UnixMilli()}
	c.prune.published(c.cur)
	res.Cursor, res.Published = newCursor, res.Published+len(msgs)
	c.stats.record(len(msgs), newCursor, now.Sub(start))
	c.db.NotePublished(newCursor, now) // liveness evidence in Turso for uninstall and status (at most every 5 s, in the background)
	if c.opts.OnBatch != nil {
		c.opts.OnBatch(len(all), now.Sub(start))
	}
	return nil
}
