package speedtest

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/changefeed"
)

// rawStream is the compacted stream the raw stages use: memsync's stream
// configuration on subjects of its own.
const rawStream = "SPEEDTEST"

// rawBatch is the fetch and Pebble batch size (the worker's default).
const rawBatch = 256

// publishWindow bounds the asynchronous publishes in flight.
const publishWindow = 512

func rawStreamConfig() jetstream.StreamConfig {
	cfg := changefeed.StreamConfig(rawStream, 1, 0)
	cfg.Subjects, cfg.Description = []string{"speedtest.>"}, "speedtest: raw rows, compacted"
	return cfg
}

// freshStream replaces the raw stream with an empty one.
func freshStream(ctx context.Context, js jetstream.JetStream) error {
	_ = js.DeleteStream(ctx, rawStream) // absent the first time
	_, err := js.CreateStream(ctx, rawStreamConfig())
	return err
}

// publishJS is a JetStream context for publishRows: a bounded window of
// asynchronous publishes whose failures are counted in failed.
func publishOpts(failed *atomic.Int64) []jetstream.JetStreamOpt {
	return []jetstream.JetStreamOpt{jetstream.WithPublishAsyncMaxPending(publishWindow),
		jetstream.WithPublishAsyncErrHandler(func(jetstream.JetStream, *nats.Msg, error) { failed.Add(1) })}
}

// publishRows publishes one message per row and waits for every ack.
func publishRows(ctx context.Context, js jetstream.JetStream, rows []rawRow, failed *atomic.Int64) error {
	for _, r := range rows {
		if _, err := js.PublishMsgAsync(&nats.Msg{Subject: r.subject, Data: r.data}); err != nil {
			return err
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		return ctx.Err()
	}
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%w: %d publishes failed", ErrMismatch, n)
	}
	return nil
}

// streamHolds checks that the raw stream holds exactly n messages.
func streamHolds(ctx context.Context, js jetstream.JetStream, n int) error {
	s, err := js.Stream(ctx, rawStream)
	if err != nil {
		return err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return err
	}
	if info.State.Msgs != uint64(n) {
		return fmt.Errorf("%w: the stream holds %d messages, the data set %d rows", ErrMismatch, info.State.Msgs, n)
	}
	return nil
}

// applyRows consumes the whole raw stream with a new durable consumer:
// fetch a batch, write it in one Pebble batch committed with Sync, ack the
// last message (AckAll). It returns the messages stored.
func applyRows(ctx context.Context, js jetstream.JetStream, db *pebble.DB, name string, n int) (int, error) {
	cons, err := js.CreateOrUpdateConsumer(ctx, rawStream, jetstream.ConsumerConfig{Durable: name,
		AckPolicy: jetstream.AckAllPolicy, AckWait: time.Minute, MaxAckPending: 4 * rawBatch, MaxWaiting: 16})
	if err != nil {
		return 0, err
	}
	got, empty := 0, 0
	for got < n && empty < 50 {
		k, err := applyBatch(cons, db)
		if err != nil {
			return got, err
		}
		if k == 0 {
			empty++ // nothing delivered yet: wait a little, never spin
			time.Sleep(10 * time.Millisecond)
		}
		got += k
	}
	return got, nil
}

func applyBatch(cons jetstream.Consumer, db *pebble.DB) (int, error) {
	msgs, err := cons.FetchNoWait(rawBatch)
	if err != nil {
		return 0, err
	}
	b := db.NewBatch()
	defer b.Close()
	var last jetstream.Msg
	k := 0
	for m := range msgs.Messages() {
		if err := b.Set([]byte(m.Subject()), m.Data(), nil); err != nil {
			return 0, err
		}
		last, k = m, k+1
	}
	if k == 0 {
		return 0, nil
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return 0, err
	}
	return k, last.Ack()
}

// pebbleRows writes the rows in batches of rawBatch committed with Sync.
func pebbleRows(db *pebble.DB, rows []rawRow) error {
	for start := 0; start < len(rows); start += rawBatch {
		b := db.NewBatch()
		for _, r := range rows[start:min(start+rawBatch, len(rows))] {
			if err := b.Set([]byte(r.subject), r.data, nil); err != nil {
				b.Close()
				return err
			}
		}
		err := b.Commit(pebble.Sync)
		b.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// countRows is the number of keys in a Pebble database.
func countRows(db *pebble.DB) (int, error) {
	it, err := db.NewIter(nil)
	if err != nil {
		return 0, err
	}
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	return n, it.Close()
}
