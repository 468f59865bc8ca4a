package changefeed

import (
	"context"

	"github.com/memsync/memsync/protocol"
)

// HandleTrigger answers sync.trigger for the changefeed (an ops.Handler):
// incremental polls now; full re-captures every current row so the whole
// state is published again with new versions, at most once per
// FullRecaptureEvery (a trigger within it gets ErrRateLimited and a
// FullRefused result naming when the next one is allowed). Other modes are
// the workers'.
func (c *Changefeed) HandleTrigger(ctx context.Context, mode protocol.TriggerMode) (any, bool, error) {
	switch mode {
	case protocol.TriggerIncremental:
		c.Poke()
		return c.Stats(), true, nil
	case protocol.TriggerFull:
		undo, refused, err := c.full.reserve(c.now())
		if err != nil {
			c.log.Warn("full re-capture refused by the rate limit", "error", err)
			return refused, true, err
		}
		_, rows, err := c.db.Resnapshot(ctx)
		if err != nil {
			undo()
		}
		c.Poke()
		return map[string]int64{"recaptured_rows": rows}, true, err
	}
	return nil, false, nil
}
