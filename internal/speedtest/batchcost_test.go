package speedtest

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"

	"github.com/memsync/memsync/internal/testenv"
)

// BenchmarkAtomicBatchCost: what one atomic batch costs the server by its
// size, on the compacted stream the changefeed publishes to (file storage,
// one replica) and, for comparison, on the same stream in memory. Each op
// is one batch of size entity messages of 2 KiB (new subjects) and a
// checkpoint fenced on the previous one, acknowledged before the next, as
// the changefeed publishes (changefeed/publish.go). A one-replica file
// stream stages every atomic batch in a file store of its own that
// nats-server creates, fsyncs and deletes per batch (newBatchStore in its
// jetstream_batching.go); a memory or replicated stream stages in memory.
// The fixed part is the floor of propagation (a live batch holds a few
// changes) and part of the cold sync's per-message cost. "File-plain" is
// the same messages on the file stream without a batch (asynchronous
// publishes, then the fenced checkpoint, all acknowledged): what the file
// store itself costs, without all-or-nothing. Run it with
//
//	go test -run XXX -bench AtomicBatchCost -benchtime 2s ./internal/speedtest
func BenchmarkAtomicBatchCost(b *testing.B) {
	n := testenv.StartNATS(b)
	js := connect(b, n)
	payload := make([]byte, 2048)
	for i := range payload {
		payload[i] = byte('a' + i%26)
	}
	modes := []struct {
		name    string
		storage jetstream.StorageType
		publish func(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg, cp string, last uint64) (uint64, error)
	}{
		{"File", jetstream.FileStorage, publishFenced},
		{"Memory", jetstream.MemoryStorage, publishFenced},
		{"File-plain", jetstream.FileStorage, publishUnbatched},
	}
	runs := 0 // each run of a sub-benchmark uses subjects of its own: a
	// stream deleted too slowly would still hold the last run's checkpoint
	for _, mode := range modes {
		for _, size := range []int{1, 8, 64, 500} {
			b.Run(fmt.Sprintf("%s/%d", mode.name, size), func(b *testing.B) {
				ctx := b.Context()
				cfg := rawStreamConfig()
				cfg.Storage = mode.storage
				_ = js.DeleteStream(ctx, rawStream)
				if _, err := js.CreateStream(ctx, cfg); err != nil {
					b.Fatal(err)
				}
				runs++
				var last uint64
				next, cp := 0, "speedtest.checkpoint."+strconv.Itoa(runs)
				b.ResetTimer()
				for range b.N {
					msgs := make([]*nats.Msg, 0, size+1)
					for range size {
						msgs = append(msgs, &nats.Msg{Subject: "speedtest.e." + strconv.Itoa(runs) + "." + strconv.Itoa(next), Data: payload, Header: nats.Header{}})
						next++
					}
					var err error
					if last, err = mode.publish(ctx, js, msgs, cp, last); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				perBatch := b.Elapsed() / time.Duration(b.N)
				b.ReportMetric(float64(perBatch.Microseconds()), "µs/batch")
				b.ReportMetric(float64(perBatch.Microseconds())/float64(size), "µs/msg")
			})
		}
	}
}

// publishFenced publishes msgs and a checkpoint on subject cp fenced on the
// previous checkpoint's sequence last as one atomic batch; it returns the
// new one.
func publishFenced(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg, cp string, last uint64) (uint64, error) {
	fence := nats.Header{}
	fence.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(last, 10))
	msgs = append(msgs, &nats.Msg{Subject: cp, Data: []byte("cp"), Header: fence})
	bctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ack, err := jetstreamext.PublishMsgBatch(bctx, js, msgs, jetstreamext.BatchFlowControl{AckFirst: true, AckTimeout: 30 * time.Second})
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

// publishUnbatched publishes msgs asynchronously, then the checkpoint on
// subject cp fenced on last, and waits for every acknowledgement: no all-or-nothing.
func publishUnbatched(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg, cp string, last uint64) (uint64, error) {
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	for _, m := range msgs {
		f, err := js.PublishMsgAsync(m)
		if err != nil {
			return 0, err
		}
		futures = append(futures, f)
	}
	fence := nats.Header{}
	fence.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(last, 10))
	ack, err := js.PublishMsg(ctx, &nats.Msg{Subject: cp, Data: []byte("cp"), Header: fence})
	if err != nil {
		return 0, err
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return 0, err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return ack.Sequence, nil
}
