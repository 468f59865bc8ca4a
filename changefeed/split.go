package changefeed

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
)

// publishSplitting publishes out. A batch the server refuses for what it
// carries is split in halves (or cut to the batch limit the server named)
// and the first part retried at once, down to a single message; the rest
// is left for the next step. A message refused even alone is parked.
func (c *Changefeed) publishSplitting(ctx context.Context, out *outBatch, res *Result) error {
	for {
		err := c.publish(ctx, out.msgs, out.bytes, out.cursor, out.head, res)
		if err == nil {
			c.grow()
			return nil
		}
		if c.unreachable(ctx, err) || !rejectsBatch(err) {
			return err
		}
		if n, ok := batchLimitOf(err); ok && n < c.lim.batchMsgs {
			c.log.Warn("the server's atomic batch limit is lower than assumed; publishing smaller batches", "limit", n)
			c.lim.batchMsgs = n
		}
		if len(out.msgs) <= 1 {
			return c.parkAlone(ctx, out, res, err)
		}
		keep := min(len(out.msgs)/2, c.lim.batchMsgs-1)
		c.log.Info("batch refused; splitting it", "messages", len(out.msgs), "retrying_with", keep, "error", err)
		c.split = keep
		out.cut(keep)
		res.Full = true
	}
}

// parkAlone handles a batch of one entity message that the server refuses.
// Only a refusal of the message itself parks it: a checkpoint alone must
// still be accepted, else the problem is not this message and the step
// fails (nothing is parked, nothing skipped). Then the message goes to the
// dead-letter stream with the server's reason and the cursor moves past it.
//
// INVARIANT 1.2: a change is skipped only once it is parked or, if even that
// is refused, counted and logged with its id (deadLetter).
func (c *Changefeed) parkAlone(ctx context.Context, out *outBatch, res *Result, cause error) error {
	if len(out.msgs) == 0 || !rejectsMessage(cause) {
		return cause
	}
	it := out.items[0]
	if err := c.publish(ctx, nil, 0, it.Version-1, out.head, res); err != nil {
		return fmt.Errorf("%w (a checkpoint alone is refused too: %v)", cause, err)
	}
	if err := c.deadLetter(ctx, it, c.cur.Epoch, cause); err != nil {
		return err
	}
	res.DeadLetters++
	var msgs []*nats.Msg
	size := 0
	if m := c.unsyncableMsg(it, c.cur.Epoch); m != nil {
		msgs, size = []*nats.Msg{m}, msgBytes(m)
	}
	if err := c.publish(ctx, msgs, size, out.cursor, out.head, res); err != nil {
		return err
	}
	c.split = 0 // the culprit is out of the way
	c.refreshLimits(ctx)
	return nil
}
