package speedtest

import (
	"context"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"

	"github.com/memsync/memsync/internal/testenv"
)

// atomicBatch is the changefeed's default batch (changefeed.Options
// BatchSize): change-log rows per atomic batch.
const atomicBatch = 500

// benchPublishAtomic: every row to a new compacted stream in atomic
// batches of atomicBatch, one after another, each closed by a checkpoint
// message and acknowledged before the next starts, as the changefeed
// publishes (changefeed/publish.go). The raw part memsync must use: the
// plain "publish" stage's asynchronous publishes have no fence and no
// all-or-nothing, which invariant 2 needs.
func (d *dataset) benchPublishAtomic(m *meter, n *testenv.NATS) int {
	b := m.b
	total := 0
	inStage(b.Context(), "publish-atomic", func(ctx context.Context) {
		m.off()
		js := connect(b, n)
		for i := 0; i < b.N; i++ {
			m.off()
			if err := freshStream(ctx, js); err != nil {
				b.Fatal(err)
			}
			m.on()
			if err := publishAtomic(ctx, js, d.rows); err != nil {
				b.Fatal(err)
			}
			m.off()
			// the checkpoint messages share one subject: the compacted
			// stream keeps the last
			if err := streamHolds(ctx, js, len(d.rows)+1); err != nil {
				b.Fatal(err)
			}
			m.on()
			total += len(d.rows)
		}
	})
	return total
}

// publishAtomic publishes rows in atomic batches, each with a checkpoint
// message last that is fenced on the previous one (the changefeed's
// Nats-Expected-Last-Subject-Sequence).
func publishAtomic(ctx context.Context, js jetstream.JetStream, rows []rawRow) error {
	msgs := make([]*nats.Msg, 0, atomicBatch+1)
	var last uint64 // the checkpoint's sequence: each batch is fenced on it
	for at := 0; at < len(rows); at += atomicBatch {
		msgs = msgs[:0]
		for _, r := range rows[at:min(at+atomicBatch, len(rows))] {
			msgs = append(msgs, &nats.Msg{Subject: r.subject, Data: r.data, Header: nats.Header{}})
		}
		cp := strconv.Itoa(at + len(msgs))
		fence := nats.Header{}
		fence.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(last, 10))
		msgs = append(msgs, &nats.Msg{Subject: "speedtest.checkpoint", Data: []byte(cp), Header: fence})
		timeout := 30 * time.Second
		bctx, cancel := context.WithTimeout(ctx, timeout)
		ack, err := jetstreamext.PublishMsgBatch(bctx, js, msgs, jetstreamext.BatchFlowControl{AckFirst: true, AckTimeout: timeout})
		cancel()
		if err != nil {
			return err
		}
		last = ack.Sequence
	}
	return nil
}
