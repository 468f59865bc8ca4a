package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/protocol"
)

// adoptLineage gives a cache that follows no database yet the one named by
// the stream's last checkpoint, and that checkpoint's sequence: messages of
// an earlier database still below it are then recognised as leftovers.
func (w *Worker) adoptLineage(ctx context.Context) error {
	if w.store.State().Lineage != "" {
		return nil
	}
	m, err := w.stream.GetLastMsgForSubject(ctx, protocol.CheckpointSubject(w.opts.DBName))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil // the first message decides (admitLineage)
	}
	if err != nil {
		return fmt.Errorf("worker: stream %s: last checkpoint: %w", w.opts.Stream, err)
	}
	cp, err := protocol.DecodeCheckpoint(m.Data)
	if err != nil {
		return nil // parked when it is consumed; the first message decides
	}
	return w.store.SetLineage(cp.Lineage, m.Sequence)
}

// admitLineage classifies a message of lineage l at stream sequence seq:
// this cache's database (nil), a leftover of an earlier database below the
// sequence the cache's lineage is known from (leftover), or another
// database now in the stream (ErrLineageChanged: only a rebuild repairs
// it, it is never dead-lettered).
func (w *Worker) admitLineage(l string, seq uint64) (leftover bool, err error) {
	st := w.store.State()
	switch {
	case st.Lineage == "":
		return false, w.store.SetLineage(l, 0)
	case l == st.Lineage:
		return false, nil
	case seq < st.LineageSince:
		w.log.Debug("leftover message of an earlier database skipped", "sequence", seq, "lineage", l)
		return true, nil
	}
	return false, fmt.Errorf("%w: cache %s has lineage %s, message %d has %s; run `memsync rebuild --worker %s`",
		ErrLineageChanged, w.store.Dir(), st.Lineage, seq, l, w.opts.Name)
}
