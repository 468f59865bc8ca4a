package worker

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// source implements cachestore.BodySource with a direct get of the last
// message on an entity's subject: the compacted stream always holds the
// latest published version of every entity.
type source struct{ w *Worker }

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
		return cachestore.Change{}, false, err
	}
	return cachestore.ChangeFromEnvelope(env), true, nil
}
