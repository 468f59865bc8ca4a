package worker

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/protocol"
)

// park records an undecodable message in the dead-letter stream with its
// original headers and the reason, so it never blocks later changes. It is
// terminated on the server only after its batch committed (terminate).
func (w *Worker) park(ctx context.Context, m jetstream.Msg, cause error) error {
	meta, _ := m.Metadata()
	dl := nats.NewMsg(fmt.Sprintf("%s.%s.worker.%s", protocol.DLQSubjectRoot, w.opts.DBName, w.opts.Name))
	for k, v := range m.Headers() {
		// Nats-* headers are instructions to the server (atomic batch,
		// expected sequences, TTL, message id): the dead-letter stream must
		// not act on the original message's.
		if !strings.HasPrefix(strings.ToLower(k), "nats-") {
			dl.Header[k] = v
		}
	}
	dl.Header.Set(protocol.HeaderError, cause.Error())
	dl.Header.Set(protocol.HeaderSource, "worker "+w.opts.Name)
	dl.Header.Set(protocol.HeaderOrigSubject, m.Subject())
	if meta != nil {
		// The same message parked again (its batch redelivered) is deduplicated.
		dl.Header.Set(protocol.HeaderMsgID, fmt.Sprintf("dlq.%s.%s.%d", w.opts.DBName, w.opts.Name, meta.Sequence.Stream))
	}
	dl.Data = m.Data()
	if _, err := w.js.PublishMsg(ctx, dl); err != nil {
		return fmt.Errorf("worker: dead-letter: %w", err)
	}
	w.log.Warn("message parked in dead-letter stream", "subject", m.Subject(), "error", cause)
	return nil
}

// terminate tells the server about parked messages (MSG_TERMINATED
// advisory with the reason).
// INVARIANT 3.1: called only after the batch holding them committed, since a
// termination acknowledges them, and under AckAll every earlier message.
func (w *Worker) terminate(ps []parked) {
	for _, p := range ps {
		_ = p.m.TermWithReason(truncate(p.cause.Error(), 200))
		w.stats.deadLetters.Add(1)
	}
}

func truncate(s string, n int) string { return s[:min(len(s), n)] }
