package worker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// cutPrefetch delivers the nth no-wait fetch in full on the server but
// hands the worker only its first half and ends it as cut by a deadline:
// messages the worker never saw are delivered and pending acknowledgement.
type cutPrefetch struct {
	jetstream.Consumer
	nth, calls int
}

func (c *cutPrefetch) FetchNoWait(n int) (jetstream.MessageBatch, error) {
	b, err := c.Consumer.FetchNoWait(n)
	if c.calls++; err != nil || c.calls != c.nth {
		return b, err
	}
	var msgs []jetstream.Msg
	for m := range b.Messages() {
		msgs = append(msgs, m)
	}
	return &cutBatch{msgs: msgs[:len(msgs)/2]}, nil
}

type cutBatch struct{ msgs []jetstream.Msg }

func (b *cutBatch) Messages() <-chan jetstream.Msg {
	ch := make(chan jetstream.Msg, len(b.msgs))
	for _, m := range b.msgs {
		ch <- m
	}
	close(ch)
	return ch
}
func (*cutBatch) Error() error { return context.DeadlineExceeded }

// A batch fetched ahead (prefetch.go) that ended abnormally is dropped,
// and the consumer is bound again before the next fetch: under AckAll the
// next acknowledgement would otherwise cover the messages the server
// delivered to the dropped fetch, and they would never be applied.
// INVARIANT 3 (lost changes); fails if takePrefetch keeps the consumer.
func TestCutPrefetchLosesNothing(t *testing.T) {
	const batch = 4
	r := newRig(t, Options{BatchSize: batch}, nil)
	var wrapped []*cutPrefetch
	r.w.wrapConsumer = func(c jetstream.Consumer) jetstream.Consumer {
		w := &cutPrefetch{Consumer: c, nth: 2} // the first is a full batch, the second its prefetch
		if len(wrapped) > 0 {
			w.nth = 0 // only the first consumer's prefetch is cut
		}
		wrapped = append(wrapped, w)
		return w
	}
	const episodes = 5 * batch
	var msgs []pub
	for i := range episodes {
		msgs = append(msgs, episode(db, lin, fmt.Sprintf("e%02d", i), uint64(i+1)))
	}
	last := r.publish(append(msgs, checkpoint(db, lin, episodes))...)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := r.w.CatchUp(ctx); err != nil {
		t.Fatalf("catch-up: %v", err)
	}
	if wrapped[0].calls < wrapped[0].nth {
		t.Fatalf("the fault was not injected: %d no-wait fetches on the first consumer", wrapped[0].calls)
	}
	if st := r.store.State(); st.Position != last || st.AppliedVersion != episodes {
		t.Fatalf("position %d applied %d, want %d and %d", st.Position, st.AppliedVersion, last, episodes)
	}
	for i := range episodes {
		id := fmt.Sprintf("e%02d", i)
		if _, v, err := r.store.Episode(id); err != nil || v != uint64(i+1) {
			t.Errorf("episode %s after the cut prefetch: version %d, %v; want %d", id, v, err, i+1)
		}
	}
	if floor, pending := r.consumerState(); floor != last || pending != 0 {
		t.Errorf("consumer ack floor %d with %d pending, want %d and 0", floor, pending, last)
	}
}
