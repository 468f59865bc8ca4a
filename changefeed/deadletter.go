package changefeed

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/memsync/memsync/protocol"
)

const (
	// maxReasonBytes bounds the reason header (the server allows 64 KiB of
	// headers; a reason may quote a very long id).
	maxReasonBytes = 2048
	// maxDLQIDBytes bounds the id quoted in a dead letter's body.
	maxDLQIDBytes = 4096
)

// deadLetter parks a row that cannot be published, with the reason. A
// deleted dead-letter stream is re-created. It fails only when NATS cannot
// be reached (the step is retried, nothing is skipped); a dead letter the
// server refuses anyway is counted and logged with the entity id, and
// never blocks later changes.
func (c *Changefeed) deadLetter(ctx context.Context, it item, epoch string, cause error) error {
	m := c.dlqMsg(it, epoch, cause)
	_, err := c.js.PublishMsg(ctx, m)
	if isStreamGone(err) {
		if _, err = c.js.CreateOrUpdateStream(ctx, c.opts.dlqConfig()); err == nil {
			c.log.Warn("dead-letter stream re-created", "stream", c.opts.DLQStream)
			_, err = c.js.PublishMsg(ctx, m)
		}
	}
	switch {
	case err == nil:
		c.stats.deadLetters.Add(1)
		c.log.Warn("row parked in dead-letter stream", "entity", it.Entity, "id", shortID(it.ID), "version", it.Version, "error", cause)
	case c.unreachable(ctx, err) || isTimeout(err):
		return fmt.Errorf("changefeed: dead-letter %s %q: %w", it.Entity, shortID(it.ID), err)
	default:
		// INVARIANT 1.3 (the one exception, made visible): the row is skipped
		// without a dead letter; fixing it in Turso publishes it again.
		c.stats.dlqLost.Add(1)
		c.log.Error("row could not be parked in the dead-letter stream either; skipped", "entity", it.Entity,
			"id", shortID(it.ID), "id_bytes", len(it.ID), "version", it.Version, "reason", cause, "error", err)
	}
	return nil
}

func (c *Changefeed) dlqMsg(it item, epoch string, cause error) *nats.Msg {
	m := nats.NewMsg(protocol.DLQSubject(c.opts.DBName, it.Entity, it.ID))
	m.Header.Set(protocol.HeaderError, reason(cause, it))
	m.Header.Set(protocol.HeaderSource, "changefeed")
	m.Header.Set(protocol.HeaderEntity, string(it.Entity))
	m.Header.Set(protocol.HeaderVersion, strconv.FormatUint(it.Version, 10))
	m.Header.Set(protocol.HeaderLineage, c.lineage)
	m.Header.Set(protocol.HeaderMsgID, fmt.Sprintf("dlq.%s.%s.%d.%s", c.lineage, epoch, it.Version, it.Entity))
	m.Data = dlqBody(it, c.maxMsgSize()/2)
	return m
}

// reason is the cause as one header line of bounded length.
func reason(cause error, it item) string {
	s := strings.NewReplacer("\r", " ", "\n", " ").Replace(cause.Error())
	if len(it.ID) > maxDLQIDBytes {
		s = fmt.Sprintf("(id of %d bytes, truncated in this dead letter) %s", len(it.ID), s)
	}
	if len(s) > maxReasonBytes {
		s = strings.ToValidUTF8(s[:maxReasonBytes], "") + "…"
	}
	return s
}

// dlqBody is the row when it fits, else the id (quoted; its first
// maxDLQIDBytes when longer).
func dlqBody(it item, limit int64) []byte {
	if it.Row != nil && it.Row.Data != nil && int64(len(it.Row.Data)) <= limit {
		return it.Row.Data
	}
	return []byte(strconv.Quote(shortID(it.ID)))
}

func shortID(id string) string {
	if len(id) <= maxDLQIDBytes {
		return id
	}
	return strings.ToValidUTF8(id[:maxDLQIDBytes], "")
}
