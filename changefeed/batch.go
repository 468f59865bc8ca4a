package changefeed

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// outBatch is one atomic batch to publish: entity messages in version
// order (the checkpoint is added when publishing) and the cursor it moves
// to; items[i] produced msgs[i].
type outBatch struct {
	msgs   []*nats.Msg
	items  []item
	bytes  int
	cursor uint64
	head   uint64 // change-log head seen by the read (carried by the checkpoint)
}

// cut keeps the first n messages; the cursor stops just before the first
// change left out.
//
// INVARIANT 1: every change_id <= the cursor is in the batch or parked:
// items are in version order, and an entity left out has its newest
// change above the cursor, so the next read finds it again.
func (b *outBatch) cut(n int) {
	b.cursor = b.items[n].Version - 1
	b.msgs, b.items = b.msgs[:n], b.items[:n]
	b.bytes = 0
	for _, m := range b.msgs {
		b.bytes += msgBytes(m)
	}
}

// buildBatch turns the read batch into messages, up to the messages and
// bytes one atomic batch may hold; rows that cannot be published at all
// (malformed, too large) go to the dead-letter stream with the reason.
func (c *Changefeed) buildBatch(ctx context.Context, b *readBatch, cur cursor) (*outBatch, int, error) {
	out := &outBatch{cursor: b.cursor, head: b.head}
	limit, dead := c.entityMsgsPerBatch(), 0
	for _, it := range b.items {
		m, cause := c.itemMsg(it, cur.Epoch)
		if cause != nil {
			m = c.unsyncableMsg(it, cur.Epoch)
		}
		size := 0
		if m != nil {
			if size = msgBytes(m); out.full(size, limit, c.opts.MaxBatchBytes) {
				out.cursor = it.Version - 1
				break
			}
		}
		if cause != nil {
			// Malformed rows (and rows too large to publish) are parked with
			// the reason; they never block the rest of the batch.
			if err := c.deadLetter(ctx, it, cur.Epoch, cause); err != nil {
				return nil, dead, err
			}
			dead++
			if m == nil {
				continue
			}
		}
		if it.Row != nil {
			// now in the message (the frame is its body): hold the bytes
			// once, and never encode the frame again
			it.Row.Data, it.Row.Frame = nil, protocol.Frame{}
		}
		out.msgs, out.items, out.bytes = append(out.msgs, m), append(out.items, it), out.bytes+size
	}
	return out, dead, nil
}

// full reports whether a message of size bytes (msgBytes) no longer fits
// in the batch.
func (b *outBatch) full(size, limit, maxBytes int) bool {
	return len(b.msgs) == limit || (len(b.msgs) > 0 && b.bytes+size > maxBytes-checkpointBytes)
}

func (c *Changefeed) itemMsg(it item, epoch string) (*nats.Msg, error) {
	if it.NullID {
		return nil, fmt.Errorf("%w: %s with a NULL id (change %d)", turso.ErrMalformedRow, it.Entity, it.Version)
	}
	if it.Row != nil {
		if err := it.Row.Syncable(c.maxMsgSize()); err != nil {
			return nil, err
		}
	}
	return c.entityMsg(it, epoch)
}

// unsyncableMsg is the delete published in place of a parked row: Turso no
// longer has a version a cache can hold, so caches drop the one they have
// (and refill their window with the next episode) instead of serving it
// forever. nil when not even a delete can be carried (a NULL or over-long
// id: no cache can hold that entity anyway).
//
// INVARIANT 1 (with the dead letter): a parked version still moves every
// cache past it; fixing the row in Turso publishes a newer upsert.
func (c *Changefeed) unsyncableMsg(it item, epoch string) *nats.Msg {
	if it.NullID || it.Row == nil {
		return nil
	}
	del := it
	del.Row = nil
	m, err := c.entityMsg(del, epoch)
	if err != nil {
		return nil
	}
	return m
}
