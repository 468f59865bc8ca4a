package worker

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// cutPrefetch delivers the nth no-wait fetch in full on the server but
// hands the worker only its first half and ends it as cut by a deadline
// (givenUp: as nats.go ends a request it gave up on after 1 s without a
// message, with no error): messages the worker never saw are delivered
// and pending acknowledgement.
type cutPrefetch struct {
	jetstream.Consumer
	nth, calls int
	givenUp    bool
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
	return &cutBatch{msgs: msgs[:len(msgs)/2], givenUp: c.givenUp}, nil
}

// cutFirst makes the nth no-wait fetch of the first consumer bound a cut
// (or given-up) one, and returns every consumer bound; later ones fetch
// as usual.
func cutFirst(r *rig, nth int, givenUp bool) *[]*cutPrefetch {
	var wrapped []*cutPrefetch
	r.w.wrapConsumer = func(c jetstream.Consumer) jetstream.Consumer {
		w := &cutPrefetch{Consumer: c, givenUp: givenUp}
		if len(wrapped) == 0 {
			w.nth = nth
		}
		wrapped = append(wrapped, w)
		return w
	}
	return &wrapped
}

// cutBatch is a fetch ended by its context, or (givenUp) one the client
// gave up on: its channel closes after the client's 1 s idle wait, and it
// reports no error.
type cutBatch struct {
	msgs    []jetstream.Msg
	givenUp bool
}

func (b *cutBatch) Messages() <-chan jetstream.Msg {
	ch := make(chan jetstream.Msg, len(b.msgs))
	for _, m := range b.msgs {
		ch <- m
	}
	if b.givenUp {
		go func() { time.Sleep(time.Second); close(ch) }()
	} else {
		close(ch)
	}
	return ch
}

func (b *cutBatch) Error() error {
	if b.givenUp {
		return nil
	}
	return context.DeadlineExceeded
}

// A batch fetched ahead (prefetch.go) that ended abnormally is dropped,
// and the consumer is bound again before the next fetch: under AckAll the
// next acknowledgement would otherwise cover the messages the server
// delivered to the dropped fetch, and they would never be applied.
// INVARIANT 3 (lost changes); fails if takePrefetch keeps the consumer.
func TestCutPrefetchLosesNothing(t *testing.T) {
	const batch = 4
	r := newRig(t, Options{BatchSize: batch}, nil)
	wrapped := cutFirst(r, 2, false) // the first is a full batch, the second its prefetch
	const episodes = 5 * batch
	last := r.publishEpisodes(episodes)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := r.w.CatchUp(ctx); err != nil {
		t.Fatalf("catch-up: %v", err)
	}
	if (*wrapped)[0].calls < (*wrapped)[0].nth {
		t.Fatalf("the fault was not injected: %d no-wait fetches on the first consumer", (*wrapped)[0].calls)
	}
	if st := r.store.State(); st.Position != last || st.AppliedVersion != episodes {
		t.Fatalf("position %d applied %d, want %d and %d", st.Position, st.AppliedVersion, last, episodes)
	}
	r.wantEpisodes(episodes)
	if floor, pending := r.consumerState(); floor != last || pending != 0 {
		t.Errorf("consumer ack floor %d with %d pending, want %d and 0", floor, pending, last)
	}
}

// Messages decoded ahead (prefetch.go, predecode) line up with the batch
// and are decided exactly as when decoded in order: the same change, the
// same poison, the same lineage verdicts (checkpoints are left to the
// in-order pass). Real messages from a real stream, each decided both
// ways. The order of the checks itself (lineage before validity) is
// TestDecodeParkAck's.
func TestPredecodeDecidesAsDecode(t *testing.T) {
	r := newRig(t, Options{}, nil)
	msgs := []pub{
		checkpoint(db, lin, 1), // sets the cache's lineage first
		episode(db, lin, "a", 3),
		raw(subject(db, protocol.EntityEpisode, "bad"), "{garbage"),
		envelope(db, protocol.Envelope{Entity: protocol.EntityEpisode, Op: protocol.OpUpsert, ID: "c", Version: 5,
			Lineage: lin, Data: []byte(`{"episode_id":"c"}`)}),
		envelope(db, protocol.Envelope{Entity: protocol.EntityEpisode, Op: protocol.OpDelete, ID: "e", Lineage: lin}),
		envelope(db, protocol.Envelope{Entity: protocol.EntityEpisode, Op: protocol.OpUpsert, ID: "f", Version: 6,
			Lineage: "L2", Data: []byte(`{"episode_id":"f"}`)}), // another database, and unpreparable
		episode(db, "L2", "y", 10),
		envelope(db, protocol.Envelope{Entity: protocol.EntityEmbedding, Op: protocol.OpUpsert, ID: "m", Version: 5,
			Lineage: lin, Data: []byte(`{"embedding_id":"m","item_id":"d","item_type":"episode","dimension":2,"dtype":"f32le","vector":"AAAAPw=="}`)}),
	}
	r.publish(msgs...)
	if err := r.w.bind(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, _, err := drain(r.w.cons.FetchNoWait(len(msgs)))
	if err != nil || len(got) != len(msgs) {
		t.Fatalf("fetched %d of %d: %v", len(got), len(msgs), err)
	}
	pre := predecode(got, protocol.CheckpointSubject(db))
	for i, m := range got {
		meta, err := m.Metadata()
		if err != nil {
			t.Fatal(err)
		}
		var inOrder, ahead cachestore.Batch
		errInOrder := r.w.decodeOne(m, meta.Sequence.Stream, nil, &inOrder)
		errAhead := r.w.decodeOne(m, meta.Sequence.Stream, &pre[i], &ahead)
		var p1, p2 poison
		if fmt.Sprint(errInOrder) != fmt.Sprint(errAhead) || errors.As(errInOrder, &p1) != errors.As(errAhead, &p2) ||
			errors.Is(errInOrder, ErrLineageChanged) != errors.Is(errAhead, ErrLineageChanged) {
			t.Errorf("message %d (%s): in order %v, ahead %v", i, m.Subject(), errInOrder, errAhead)
		}
		if !reflect.DeepEqual(inOrder, ahead) {
			t.Errorf("message %d (%s): in order %+v, ahead %+v", i, m.Subject(), inOrder, ahead)
		}
	}
}

// A no-wait fetch the client gave up on (a server stalled past 1 s
// mid-batch) loses nothing: the consumer is bound again before the next
// fetch, so no AckAll covers the messages the server delivered to it.
// INVARIANT 3; each case loses the messages the fetch never handed over
// if drainNoWait does not count it as cut.
func TestGivenUpFetchLosesNothing(t *testing.T) {
	const batch = 4
	for _, tc := range []struct {
		name string
		nth  int
		run  bool // Run's waiting fetch (then its no-wait rest) instead of CatchUp
	}{{"a catch-up fetch", 1, false}, {"a prefetch", 2, false}, {"the rest after a waiting fetch", 1, true}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, Options{BatchSize: batch, FetchWait: 50 * time.Millisecond}, nil)
			wrapped := cutFirst(r, tc.nth, true)
			const episodes = 3 * batch
			last := r.publishEpisodes(episodes)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			if tc.run {
				runUntil(ctx, t, r, last)
			} else if _, err := r.w.CatchUp(ctx); err != nil {
				t.Fatalf("catch-up: %v", err)
			}
			if (*wrapped)[0].calls < tc.nth {
				t.Fatalf("the fault was not injected: %d no-wait fetches", (*wrapped)[0].calls)
			}
			r.wantEpisodes(episodes)
			if st := r.store.State(); st.Position != last {
				t.Errorf("position %d, want %d", st.Position, last)
			}
			if len(*wrapped) < 2 {
				t.Errorf("the consumer was kept after a given-up fetch (%d binds)", len(*wrapped))
			}
		})
	}
}

// runUntil runs the worker until the cache's position reaches last and
// until holds (nil: at once), or 10 s pass, then stops it.
func runUntil(ctx context.Context, t *testing.T, r *rig, last uint64, until ...func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.w.Run(ctx) }()
	reached := func() bool {
		for _, f := range until {
			if !f() {
				return false
			}
		}
		return r.store.State().Position >= last
	}
	for deadline := time.Now().Add(10 * time.Second); !reached() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v", err)
	}
}
