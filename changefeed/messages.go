package changefeed

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/protocol"
)

// entityMsg builds the stream message for one collapsed change: the
// envelope written around the row in the buffer it was read into (its
// frame), the headers' values in one allocation.
func (c *Changefeed) entityMsg(it item, epoch string) (*nats.Msg, error) {
	subj, err := protocol.EntitySubject(c.opts.DBName, it.Entity, it.ID)
	if err != nil {
		return nil, err
	}
	env := protocol.Envelope{Schema: protocol.SchemaVersion, Entity: it.Entity, Op: protocol.OpDelete,
		ID: it.ID, Version: it.Version, Lineage: c.lineage}
	var frame protocol.Frame
	if it.Row != nil {
		env.Op, env.Data, frame = protocol.OpUpsert, it.Row.Data, it.Row.Frame
		env.Embeddings, env.Listed = it.Row.Embeddings, it.Row.Listed
	}
	body, err := protocol.EncodeEnvelopeIn(frame, &env) // around the row read: no copy of it
	if err != nil {
		return nil, err
	}
	m := &nats.Msg{Subject: subj, Data: body, Header: c.headers(&env, it, epoch)}
	return m, c.checkSize(m)
}

// headers are an entity message's headers; an embedding's also say its
// model, dimension and dtype, a delete's its TTL when tombstones expire.
func (c *Changefeed) headers(env *protocol.Envelope, it item, epoch string) nats.Header {
	embedding := it.Entity == protocol.EntityEmbedding && it.Row != nil
	ttl := env.Op == protocol.OpDelete && c.opts.TombstoneTTL > 0
	n := 6
	if embedding {
		n += 3
	}
	if ttl {
		n++
	}
	h, vals := make(nats.Header, n), make([]string, 0, n)
	set := func(k, v string) {
		vals = append(vals, v)
		h[k] = vals[len(vals)-1 : len(vals) : len(vals)] // an Add reallocates: no value is shared
	}
	set(protocol.HeaderSchema, strconv.Itoa(protocol.SchemaVersion))
	set(protocol.HeaderEntity, string(env.Entity))
	set(protocol.HeaderOp, string(env.Op))
	set(protocol.HeaderVersion, strconv.FormatUint(env.Version, 10))
	set(protocol.HeaderLineage, c.lineage)
	set(protocol.HeaderMsgID, c.msgID(env, epoch))
	if ttl {
		set(jetstream.MsgTTLHeader, c.opts.TombstoneTTL.String())
	}
	if embedding {
		set(protocol.HeaderModel, it.Row.Model)
		set(protocol.HeaderDimension, strconv.Itoa(it.Row.Dimension))
		set(protocol.HeaderDType, protocol.DTypeF32LE)
	}
	return h
}

// msgID is <lineage>.<epoch>.<version>.<entity>.<token(id)>: the server's
// duplicate window drops a message published twice in one epoch.
func (c *Changefeed) msgID(env *protocol.Envelope, epoch string) string {
	tok, _ := protocol.EncodeID(env.ID)
	var b strings.Builder
	b.Grow(len(c.lineage) + len(epoch) + 20 + len(env.Entity) + len(tok) + 4)
	b.WriteString(c.lineage)
	b.WriteByte('.')
	b.WriteString(epoch)
	b.WriteByte('.')
	var num [20]byte
	b.Write(strconv.AppendUint(num[:0], env.Version, 10))
	b.WriteByte('.')
	b.WriteString(string(env.Entity))
	b.WriteByte('.')
	b.WriteString(tok)
	return b.String()
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
