package changefeed

import (
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/protocol"
)

// entityMsg builds the stream message for one collapsed change.
func (c *Changefeed) entityMsg(it item, epoch string) (*nats.Msg, error) {
	subj, err := protocol.EntitySubject(c.opts.DBName, it.Entity, it.ID)
	if err != nil {
		return nil, err
	}
	env := protocol.Envelope{Schema: protocol.SchemaVersion, Entity: it.Entity, Op: protocol.OpDelete,
		ID: it.ID, Version: it.Version, Lineage: c.lineage}
	if it.Row != nil {
		env.Op, env.Data = protocol.OpUpsert, it.Row.Data
		env.Embeddings, env.Listed = it.Row.Embeddings, it.Row.Listed
	}
	body, err := protocol.EncodeEnvelope(&env)
	if err != nil {
		return nil, err
	}
	m := nats.NewMsg(subj)
	m.Data = body
	c.setHeaders(m, &env, epoch)
	if env.Op == protocol.OpDelete && c.opts.TombstoneTTL > 0 {
		m.Header.Set(jetstream.MsgTTLHeader, c.opts.TombstoneTTL.String())
	}
	embeddingHeaders(m, it)
	return m, c.checkSize(m)
}

func (c *Changefeed) setHeaders(m *nats.Msg, env *protocol.Envelope, epoch string) {
	h := m.Header
	h.Set(protocol.HeaderSchema, strconv.Itoa(protocol.SchemaVersion))
	h.Set(protocol.HeaderEntity, string(env.Entity))
	h.Set(protocol.HeaderOp, string(env.Op))
	h.Set(protocol.HeaderVersion, strconv.FormatUint(env.Version, 10))
	h.Set(protocol.HeaderLineage, c.lineage)
	tok, _ := protocol.EncodeID(env.ID)
	h.Set(protocol.HeaderMsgID, fmt.Sprintf("%s.%s.%d.%s.%s", c.lineage, epoch, env.Version, env.Entity, tok))
}

func embeddingHeaders(m *nats.Msg, it item) {
	if it.Entity != protocol.EntityEmbedding || it.Row == nil {
		return
	}
	m.Header.Set(protocol.HeaderModel, it.Row.Model)
	m.Header.Set(protocol.HeaderDimension, strconv.Itoa(it.Row.Dimension))
	m.Header.Set(protocol.HeaderDType, protocol.DTypeF32LE)
}

// checkSize rejects a message the server would refuse: over the max
// payload or the stream's max message size once PublishMsgBatch added its
// headers, or with headers over the server's 64 KiB.
func (c *Changefeed) checkSize(m *nats.Msg) error {
	hdr := headerSize(m.Header) + batchHeaderBytes
	size, limit := int64(len(m.Data)+hdr), c.maxMsgSize()
	if limit > 0 && size > limit {
		return fmt.Errorf("%w: message for %s is %d bytes, over the server's max payload of %d", ErrTooLarge, m.Subject, size, limit)
	}
	if hdr > maxHeaderBytes {
		return fmt.Errorf("%w: message for %s has %d bytes of headers, over the server's %d", ErrTooLarge, m.Subject, hdr, maxHeaderBytes)
	}
	return nil
}

// msgBytes is what a message weighs in an atomic batch.
func msgBytes(m *nats.Msg) int {
	return len(m.Subject) + len(m.Data) + headerSize(m.Header) + batchHeaderBytes
}

// checkpointBytes is kept free in every batch for its checkpoint.
const checkpointBytes = 1024

func headerSize(h nats.Header) int {
	n := 12
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// checkpointMsg carries the cursor; it is the last message of every batch
// and is fenced on the previous checkpoint's sequence.
func (c *Changefeed) checkpointMsg(cur cursor, newCursor, head uint64) (*nats.Msg, error) {
	body, err := protocol.EncodeCheckpoint(&protocol.Checkpoint{Lineage: c.lineage, Cursor: newCursor, Head: head, PublishedAt: time.Now().UnixMilli()})
	if err != nil {
		return nil, err
	}
	m := nats.NewMsg(protocol.CheckpointSubject(c.opts.DBName))
	m.Data = body
	m.Header.Set(protocol.HeaderSchema, strconv.Itoa(protocol.SchemaVersion))
	m.Header.Set(protocol.HeaderLineage, c.lineage)
	m.Header.Set(HeaderEpoch, cur.Epoch)
	// INVARIANT 2 and 8: the whole batch commits only if nobody moved the
	// checkpoint since we read it.
	m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(cur.Seq, 10))
	return m, nil
}
