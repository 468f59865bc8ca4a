package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// scanFetch is how many messages one fetch of a scan asks for, and
// scanWait how long it waits for them.
const (
	scanFetch = 256
	scanWait  = 5 * time.Second
)

// Scan implements cachestore.Scanner: it reads the last message of every
// subject of one kind with an ordered consumer (no durable state on the
// server) and passes each decoded change to fn. The cache calls it only to
// find episodes and embeddings it forgot far outside its window, rarely.
// A message that cannot be decoded fails the scan the way Latest does.
func (s source) Scan(ctx context.Context, e protocol.Entity, fn func(cachestore.Change) error) error {
	cons, err := s.w.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{protocol.EntityFilter(s.w.opts.DBName, e)},
		DeliverPolicy:  jetstream.DeliverLastPerSubjectPolicy,
	})
	if err != nil {
		return fmt.Errorf("scan %ss: %w", e, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return fmt.Errorf("scan %ss: %w", e, err)
	}
	for left := info.NumPending; left > 0; {
		batch, err := cons.Fetch(scanFetch, jetstream.FetchMaxWait(scanWait))
		if err != nil {
			return fmt.Errorf("scan %ss: %w", e, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			meta, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("scan %ss: %w", e, err)
			}
			if err := s.scanned(m, meta, fn); err != nil {
				return err
			}
			left = meta.NumPending
		}
		if err := batch.Error(); err != nil {
			return fmt.Errorf("scan %ss: %w", e, err)
		}
		if n == 0 {
			return fmt.Errorf("scan %ss: no message within %s with %d left", e, scanWait, left)
		}
	}
	return nil
}

func (s source) scanned(m jetstream.Msg, meta *jetstream.MsgMetadata, fn func(cachestore.Change) error) error {
	env, err := protocol.DecodeEnvelope(m.Data())
	if err != nil {
		return fmt.Errorf("%w: the newest message on %s (sequence %d) cannot be decoded: %v",
			cachestore.ErrBodyUnavailable, m.Subject(), meta.Sequence.Stream, err)
	}
	if leftover, err := s.w.admitLineage(env.Lineage, meta.Sequence.Stream); err != nil || leftover {
		return err
	}
	return fn(cachestore.ChangeFromEnvelope(env))
}
