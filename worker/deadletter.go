package worker

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/protocol"
)

// park records an undecodable message in the dead-letter stream with its
// original headers and the reason, so it never blocks later changes.
func (w *Worker) park(ctx context.Context, m jetstream.Msg, cause error) error {
	meta, _ := m.Metadata()
	dl := nats.NewMsg(fmt.Sprintf("%s.%s.worker.%s", protocol.DLQSubjectRoot, w.opts.DBName, w.opts.Name))
	for k, v := range m.Headers() {
		dl.Header[k] = v
	}
	dl.Header.Set(protocol.HeaderError, cause.Error())
	dl.Header.Set(protocol.HeaderSource, "worker "+w.opts.Name)
	dl.Header.Set(protocol.HeaderOrigSubject, m.Subject())
	if meta != nil {
		dl.Header.Set(protocol.HeaderMsgID, fmt.Sprintf("dlq.%s.%s.%d", w.opts.DBName, w.opts.Name, meta.Sequence.Stream))
	}
	dl.Data = m.Data()
	if _, err := w.js.PublishMsg(ctx, dl); err != nil {
		return fmt.Errorf("worker: dead-letter: %w", err)
	}
	// Terminate it on the server too, with the reason (MSG_TERMINATED advisory).
	_ = m.TermWithReason(truncate(cause.Error(), 200))
	w.stats.deadLetters.Add(1)
	w.log.Warn("message parked in dead-letter stream", "subject", m.Subject(), "error", cause)
	return nil
}

func truncate(s string, n int) string { return s[:min(len(s), n)] }
