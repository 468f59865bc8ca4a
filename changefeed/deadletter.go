package changefeed

import (
	"context"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"

	"github.com/memsync/memsync/protocol"
)

// deadLetter parks a row that cannot be published, with the reason.
func (c *Changefeed) deadLetter(ctx context.Context, it item, epoch string, cause error) error {
	m := nats.NewMsg(protocol.DLQSubject(c.opts.DBName, it.Entity, it.ID))
	m.Header.Set(protocol.HeaderError, cause.Error())
	m.Header.Set(protocol.HeaderSource, "changefeed")
	m.Header.Set(protocol.HeaderEntity, string(it.Entity))
	m.Header.Set(protocol.HeaderVersion, strconv.FormatUint(it.Version, 10))
	m.Header.Set(protocol.HeaderLineage, c.lineage)
	m.Header.Set(protocol.HeaderMsgID, fmt.Sprintf("dlq.%s.%s.%d.%s", c.lineage, epoch, it.Version, it.Entity))
	m.Data = dlqBody(it, c.js.Conn().MaxPayload()/2)
	if _, err := c.js.PublishMsg(ctx, m); err != nil {
		return fmt.Errorf("changefeed: dead-letter %s %q: %w", it.Entity, it.ID, err)
	}
	c.stats.deadLetters.Add(1)
	c.log.Warn("row parked in dead-letter stream", "entity", it.Entity, "id", it.ID, "version", it.Version, "error", cause)
	return nil
}

func dlqBody(it item, limit int64) []byte {
	if it.Row == nil || it.Row.Data == nil || int64(len(it.Row.Data)) > limit {
		return []byte(strconv.Quote(it.ID))
	}
	return it.Row.Data
}
