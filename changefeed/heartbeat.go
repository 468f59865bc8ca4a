package changefeed

import (
	"encoding/json"
	"time"

	"github.com/memsync/memsync/protocol"
)

// heartbeat publishes the head and the cursor on core NATS at most once per
// HeartbeatInterval, so workers can compute their lag and notice a silent
// publisher. It never blocks the poll loop (a core publish is buffered).
func (c *Changefeed) heartbeat(now time.Time) {
	if now.Sub(c.lastBeat) < c.opts.HeartbeatInterval || c.lineage == "" {
		return
	}
	c.lastBeat = now
	since, lastErr := c.outage.State()
	hb := protocol.Heartbeat{Schema: protocol.SchemaVersion, Lineage: c.lineage, Head: c.stats.head.Load(),
		Cursor: c.stats.cursor.Load(), AtMs: now.UnixMilli()}
	if !since.IsZero() {
		hb.Outage = lastErr
	}
	b, _ := json.Marshal(hb)
	_ = c.js.Conn().Publish(protocol.HeartbeatSubject(c.opts.DBName), b)
}
