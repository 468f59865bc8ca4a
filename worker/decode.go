package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// decoded is a fetched batch ready to apply. Its parked messages are
// already in the dead-letter stream; they are terminated on the server only
// after the batch committed.
type decoded struct {
	batch  cachestore.Batch
	parked []parked
}

type parked struct {
	m     jetstream.Msg
	cause error
}

// poison marks a message that cannot be decoded: it is parked, the rest of
// the batch goes on.
type poison struct{ err error }

func (p poison) Error() string { return p.err.Error() }
func (p poison) Unwrap() error { return p.err }

// decode turns messages into a cachestore batch. Undecodable messages are
// parked in the dead-letter stream with the reason and left out, leftovers
// of an earlier database are skipped; a message of another database stops
// the batch with ErrLineageChanged (a rebuild, never a dead letter).
//
// pre, when not nil, holds each message's decode done ahead (prefetch.go):
// only the checks that read the Worker's state are made here.
func (w *Worker) decode(ctx context.Context, msgs []jetstream.Msg, pre []decodedMsg) (decoded, error) {
	var d decoded
	for i, m := range msgs {
		meta, err := m.Metadata()
		if err != nil {
			return d, fmt.Errorf("worker: message metadata: %w", err)
		}
		if i == 0 {
			if err := w.checkGap(ctx, meta.Sequence.Stream); err != nil {
				return d, err
			}
		}
		d.batch.Position, d.batch.PositionTime = meta.Sequence.Stream, meta.Timestamp.UnixNano()
		var dm *decodedMsg
		if pre != nil {
			dm = &pre[i]
		}
		err = w.decodeOne(m, meta.Sequence.Stream, dm, &d.batch)
		var p poison
		if !errors.As(err, &p) {
			if err != nil {
				return d, err
			}
			continue
		}
		if err := w.park(ctx, m, p.err); err != nil {
			return d, err
		}
		d.parked = append(d.parked, parked{m: m, cause: p.err})
	}
	return d, nil
}

func (w *Worker) decodeOne(m jetstream.Msg, seq uint64, pre *decodedMsg, b *cachestore.Batch) error {
	if m.Subject() == protocol.CheckpointSubject(w.opts.DBName) {
		return w.decodeCheckpoint(m, seq, b)
	}
	if pre == nil {
		dm := decodeMsg(m.Data())
		pre = &dm
	}
	if pre.env == nil {
		return poison{pre.err}
	}
	// The lineage is checked before the change's own validity: a message
	// of another database is a rebuild, never a dead letter.
	if leftover, err := w.admitLineage(pre.env.Lineage, seq); err != nil || leftover {
		return err
	}
	if pre.err != nil {
		return poison{pre.err}
	}
	b.Changes = append(b.Changes, pre.c)
	return nil
}

// decodedMsg is an entity message decoded and its change prepared, before
// the checks that read the Worker's state (lineage). env nil: the envelope
// did not decode (err); env set and err: the change did not prepare.
type decodedMsg struct {
	env *protocol.Envelope
	c   cachestore.Change
	err error
}

// decodeMsg reads nothing but data: prefetch goroutines call it.
func decodeMsg(data []byte) decodedMsg {
	env, err := protocol.DecodeEnvelope(data)
	if err != nil {
		return decodedMsg{err: err}
	}
	c := cachestore.ChangeFromEnvelope(env)
	if err := c.Prepare(); err != nil {
		return decodedMsg{env: env, err: err}
	}
	return decodedMsg{env: env, c: c}
}

// predecode decodes the entity messages of msgs ahead (nil for the rest:
// checkpoints are decoded in order, with their lineage).
func predecode(msgs []jetstream.Msg, checkpoint string) []decodedMsg {
	pre := make([]decodedMsg, len(msgs))
	for i, m := range msgs {
		if m.Subject() != checkpoint {
			pre[i] = decodeMsg(m.Data())
		}
	}
	return pre
}

// decodeCheckpoint takes the publisher's cursor, only once the checkpoint
// is known to be of this cache's database.
func (w *Worker) decodeCheckpoint(m jetstream.Msg, seq uint64, b *cachestore.Batch) error {
	cp, err := protocol.DecodeCheckpoint(m.Data())
	if err != nil {
		return poison{err}
	}
	if leftover, err := w.admitLineage(cp.Lineage, seq); err != nil || leftover {
		return err
	}
	b.Checkpoint = max(b.Checkpoint, cp.Cursor)
	return nil
}
