package changefeed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"
	"golang.org/x/sync/errgroup"

	"github.com/memsync/memsync/internal/turso"
)

// Result reports one PollOnce step.
type Result struct {
	Changes     int    // change-log rows covered
	Published   int    // entity messages published
	DeadLetters int    // rows parked in the dead-letter stream
	Cursor      uint64 // cursor after the step
	Head        uint64 // change-log head seen
	Full        bool   // the batch was full: poll again at once
}

// PollOnce reads one batch from the change log and publishes it with its
// checkpoint as one atomic batch. When the batch is full, the next one is
// read from Turso while this one is being published (pipelining); it is
// used by the next PollOnce only if this publish succeeded and the cursor
// is where the read started.
func (c *Changefeed) PollOnce(ctx context.Context) (Result, error) {
	if err := c.ensureReady(ctx); err != nil {
		c.ahead = nil
		return Result{}, err
	}
	cur := c.cur
	b, err := c.batchAt(ctx, cur.Cursor)
	if err != nil {
		return Result{}, err
	}
	res := Result{Changes: b.changes, Cursor: cur.Cursor, Head: b.head, Full: b.full}
	c.stats.head.Store(b.head)
	if b.changes == 0 {
		return res, nil
	}
	msgs, dead, err := c.buildMessages(ctx, b, cur)
	if err != nil {
		return res, err
	}
	res.DeadLetters = dead
	res.Published = len(msgs) - 1
	return res, c.publishReadingAhead(ctx, msgs, cur, b, &res)
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

// publishReadingAhead publishes b and, if b was full, reads the next batch
// meanwhile. Both goroutines end before it returns.
func (c *Changefeed) publishReadingAhead(ctx context.Context, msgs []*nats.Msg, cur cursor, b *readBatch, res *Result) error {
	var pubErr error
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		pubErr = c.publish(gctx, msgs, cur, b, res)
		return pubErr
	})
	var ahead *readBatch
	if b.full {
		if next, err := c.read(gctx, b.cursor); err == nil {
			ahead = next
		}
	}
	_ = g.Wait()
	if pubErr == nil {
		c.ahead = ahead
	}
	return pubErr
}

func (c *Changefeed) buildMessages(ctx context.Context, b *readBatch, cur cursor) ([]*nats.Msg, int, error) {
	msgs := make([]*nats.Msg, 0, len(b.items)+1)
	dead := 0
	for _, it := range b.items {
		m, err := c.itemMsg(it, cur.Epoch)
		if err != nil {
			// Malformed rows (and rows too large to publish) are parked with
			// the reason; they never block the rest of the batch.
			if err := c.deadLetter(ctx, it, cur.Epoch, err); err != nil {
				return nil, 0, err
			}
			dead++
			continue
		}
		msgs = append(msgs, m)
	}
	cp, err := c.checkpointMsg(cur, b.cursor, b.head)
	return append(msgs, cp), dead, err
}

func (c *Changefeed) itemMsg(it item, epoch string) (*nats.Msg, error) {
	if it.NullID {
		return nil, fmt.Errorf("%w: %s with a NULL id (change %d)", turso.ErrMalformedRow, it.Entity, it.Version)
	}
	if it.Row != nil && it.Row.Err != nil {
		return nil, it.Row.Err
	}
	return c.entityMsg(it, epoch)
}

func (c *Changefeed) publish(ctx context.Context, msgs []*nats.Msg, cur cursor, b *readBatch, res *Result) error {
	start := time.Now()
	ack, err := jetstreamext.PublishMsgBatch(ctx, c.js, msgs)
	if err != nil {
		c.needReload = true
		if isFenced(err) {
			return fmt.Errorf("%w: %v", ErrFenced, err)
		}
		return fmt.Errorf("changefeed: publish batch: %w", err)
	}
	now := time.Now()
	c.cur = cursor{Cursor: b.cursor, Seq: ack.Sequence, Epoch: cur.Epoch, PublishedAt: now.UnixMilli()}
	c.prune.published(c.cur)
	res.Cursor = b.cursor
	c.stats.record(res, now.Sub(start))
	if c.opts.OnBatch != nil {
		c.opts.OnBatch(len(msgs), now.Sub(start))
	}
	return nil
}

// errCodeBatchDuplicate (JSAtomicPublishContainsDuplicateMessageErr): the
// batch carries message ids already stored, i.e. another publisher with the
// same epoch published these versions first. Like a fence conflict, the
// answer is to reload the cursor.
const errCodeBatchDuplicate jetstream.ErrorCode = 10201

func isFenced(err error) bool {
	var api *jetstream.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode {
		case jetstream.JSErrCodeStreamWrongLastSequence, jetstream.JSErrCodeStreamWrongLastSequenceConstant,
			errCodeBatchDuplicate:
			return true
		}
	}
	return false
}
