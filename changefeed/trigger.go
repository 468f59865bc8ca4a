package changefeed

import (
	"context"

	"github.com/memsync/memsync/protocol"
)

// HandleTrigger answers sync.trigger for the changefeed (an ops.Handler):
// incremental polls now; full re-captures every current row so the whole
// state is published again with new versions. Other modes are the workers'.
func (c *Changefeed) HandleTrigger(ctx context.Context, mode protocol.TriggerMode) (any, bool, error) {
	switch mode {
	case protocol.TriggerIncremental:
		c.Poke()
		return c.Stats(), true, nil
	case protocol.TriggerFull:
		_, rows, err := c.db.Resnapshot(ctx)
		c.Poke()
		return map[string]int64{"recaptured_rows": rows}, true, err
	}
	return nil, false, nil
}
