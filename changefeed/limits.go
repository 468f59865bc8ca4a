package changefeed

import (
	"math"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// limits are what the server accepts, read from the connection and the
// stream, or learned from its rejections.
type limits struct {
	streamMaxMsg int64 // the stream's max message size (0: none)
	// batchMsgs is the server's atomic batch limit in messages, the
	// checkpoint included. nats-server has 1000 by default; a server
	// configured lower (jetstream.limits.max_batch_size) says so only when
	// it rejects a batch, with the number in the error.
	batchMsgs int
}

const (
	serverBatchMsgs = 1000
	// maxHeaderBytes is the server's header limit (64 KiB).
	maxHeaderBytes = math.MaxUint16
	// batchHeaderBytes is what PublishMsgBatch adds to each message:
	// Nats-Batch-Id (a 22-byte nuid), Nats-Batch-Sequence (up to 4 digits),
	// Nats-Batch-Commit on the last one, 4 bytes of framing each.
	batchHeaderBytes = len("Nats-Batch-Id") + 22 + 4 + len("Nats-Batch-Sequence") + 4 + 4 + len("Nats-Batch-Commit") + 1 + 4
	// perMessageCost estimates a message's envelope and headers when
	// bounding a read by bytes.
	perMessageCost = 512
)

func (l *limits) read(info *jetstream.StreamInfo) {
	l.streamMaxMsg = 0
	if info != nil && info.Config.MaxMsgSize > 0 {
		l.streamMaxMsg = int64(info.Config.MaxMsgSize)
	}
	if l.batchMsgs == 0 {
		l.batchMsgs = serverBatchMsgs
	}
}

// maxMsgSize is the most bytes (headers and body) one message may have.
func (c *Changefeed) maxMsgSize() int64 {
	limit := c.js.Conn().MaxPayload()
	if s := c.lim.streamMaxMsg; s > 0 && (limit <= 0 || s < limit) {
		limit = s
	}
	return limit
}

// entityMsgsPerBatch is how many entity messages one atomic batch may hold
// now (the checkpoint takes one place).
func (c *Changefeed) entityMsgsPerBatch() int {
	n := min(c.opts.BatchSize, c.lim.batchMsgs-1)
	if c.split > 0 {
		n = min(n, c.split)
	}
	return max(n, 1)
}

// grow doubles the split cap after a batch was accepted, until it no
// longer limits anything.
func (c *Changefeed) grow() {
	if c.split == 0 {
		return
	}
	if c.split *= 2; c.split >= min(c.opts.BatchSize, c.lim.batchMsgs-1) {
		c.split = 0
	}
}

// batchTimeout scales with the batch: the client's request timeout for the
// round trips, plus a second per MiB (a slow link) and a millisecond per
// message (the server stores each one before the commit).
func (c *Changefeed) batchTimeout(bytes, msgs int) time.Duration {
	return c.js.Options().DefaultTimeout + time.Duration(bytes)*time.Second/(1<<20) + time.Duration(msgs)*time.Millisecond
}
