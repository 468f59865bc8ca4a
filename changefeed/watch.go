package changefeed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/protocol"
)

// verifyStream checks, at most once per HeartbeatInterval while there is
// nothing to publish, that the stream still holds this changefeed's
// checkpoint: a stream deleted or purged while no change arrives is
// re-created and refilled at once (workers waiting on it can rebuild), and
// a checkpoint moved by another publisher is reloaded.
func (c *Changefeed) verifyStream(ctx context.Context) error {
	now := time.Now()
	if now.Sub(c.lastVerify) < c.opts.HeartbeatInterval {
		return nil
	}
	c.lastVerify = now
	m, err := c.stream.GetLastMsgForSubject(ctx, protocol.CheckpointSubject(c.opts.DBName))
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		if c.cur.Seq == 0 {
			return nil
		}
		c.needReload = true
		return fmt.Errorf("%w: the stream no longer holds the checkpoint (purged)", ErrResync)
	case err != nil:
		return c.streamFailed(fmt.Errorf("changefeed: check checkpoint: %w", err))
	case m.Sequence != c.cur.Seq:
		c.needReload = true
		return fmt.Errorf("%w: the checkpoint moved to sequence %d", ErrResync, m.Sequence)
	}
	return nil
}

// refreshLimits re-reads the stream's limits (after the server refused a
// message the known limits allowed: its config changed).
func (c *Changefeed) refreshLimits(ctx context.Context) {
	info, err := c.stream.Info(ctx)
	if err != nil {
		c.log.Debug("stream limits not refreshed", "error", err)
		return
	}
	c.lim.read(info)
}
