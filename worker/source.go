package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// source implements cachestore.BodySource with a direct get of the last
// message on an entity's subject: the compacted stream always holds the
// latest published version of every entity.
type source struct{ w *Worker }

// Latest returns the entity's newest message, decoded and prepared. A body
// that cannot be decoded counts as unavailable (cachestore.ErrBodyUnavailable,
// so a batch waiting for it ends as ErrStuck and a rebuild, never an
// endless hold); a leftover of an earlier database is not found; a body of
// another database is ErrLineageChanged.
func (s source) Latest(ctx context.Context, e protocol.Entity, id string) (cachestore.Change, bool, error) {
	subj, err := protocol.EntitySubject(s.w.opts.DBName, e, id)
	if err != nil {
		return cachestore.Change{}, false, err
	}
	m, err := s.w.stream.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return cachestore.Change{}, false, nil
	}
	if err != nil {
		return cachestore.Change{}, false, err
	}
	env, err := protocol.DecodeEnvelope(m.Data)
	if err != nil {
		return cachestore.Change{}, false, undecodable(m, err)
	}
	if leftover, err := s.w.admitLineage(env.Lineage, m.Sequence); err != nil || leftover {
		return cachestore.Change{}, false, err
	}
	c := cachestore.ChangeFromEnvelope(env)
	if err := c.Prepare(); err != nil {
		return cachestore.Change{}, false, undecodable(m, err)
	}
	return c, true, nil
}

func undecodable(m *jetstream.RawStreamMsg, err error) error {
	return fmt.Errorf("%w: the newest message on %s (sequence %d) cannot be decoded: %v",
		cachestore.ErrBodyUnavailable, m.Subject, m.Sequence, err)
}
