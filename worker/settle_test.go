package worker

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ackLag is a consumer whose server has not processed the last acks yet:
// its Info reports them pending for the first lags calls that find
// nothing left to deliver (the real server shows this only now and then: Ack does
// not wait for the server).
type ackLag struct {
	jetstream.Consumer
	lags, fetches int
	cuts          int // the first cuts waiting fetches end as cut by their deadline
}

func (c *ackLag) Info(ctx context.Context) (*jetstream.ConsumerInfo, error) {
	info, err := c.Consumer.Info(ctx)
	// Injected whenever nothing is left to deliver: the real server may
	// itself still count the acks (it handles them apart), and a lag the
	// test counts on must not be skipped then.
	if err == nil && info.NumPending == 0 && c.lags > 0 {
		c.lags--
		cp := *info
		cp.NumAckPending = 1
		info = &cp
	}
	return info, err
}

func (c *ackLag) Fetch(n int, opts ...jetstream.FetchOpt) (jetstream.MessageBatch, error) {
	c.fetches++
	b, err := c.Consumer.Fetch(n, opts...)
	if err != nil || c.cuts == 0 {
		return b, err
	}
	c.cuts--
	var msgs []jetstream.Msg
	for m := range b.Messages() {
		msgs = append(msgs, m)
	}
	return &cutBatch{msgs: msgs}, nil
}

// A catch-up whose last acks the server has not processed yet asks again
// after FetchWait instead of waiting catchUpWait (5 s) for messages that
// will not come: `run --demo --once` took 5.4 s instead of 0.5 s once.
// What is checked is the wait policy, not a speed: three lagging answers
// cost three waits of FetchWait (20 ms here), where each was a fetch the
// server held for 4.5 s before, so the catch-up must end before one
// catchUpWait has passed.
func TestCatchUpDoesNotWaitOutItsOwnAcks(t *testing.T) {
	r := newRig(t, Options{FetchWait: 20 * time.Millisecond}, nil)
	lag := &ackLag{lags: 3}
	r.w.wrapConsumer = func(c jetstream.Consumer) jetstream.Consumer {
		lag.Consumer = c // one count across consumers: a wait cut on a loaded machine binds again
		return lag
	}
	last := r.publishEpisodes(5)
	start := time.Now()
	if _, err := r.w.CatchUp(t.Context()); err != nil {
		t.Fatalf("catch-up with its acks not yet processed: %v", err)
	}
	if took := time.Since(start); took >= catchUpWait {
		t.Fatalf("catch-up took %v: it waited out catchUpWait (%v) for its own acks", took, catchUpWait)
	}
	// At least 3: the real server may also answer with its acks pending.
	if lag.lags != 0 || lag.fetches < 3 {
		t.Fatalf("%d lagging answers left, %d waiting fetches: want 0 and at least 3 (the fault was not injected as meant)", lag.lags, lag.fetches)
	}
	if st := r.store.State(); st.Position != last {
		t.Fatalf("position %d, want %d", st.Position, last)
	}
}

// A waiting fetch of the catch-up cut by its deadline (a server slower
// than FetchWait to answer: CI saw it on a loaded machine) drops the
// consumer (INVARIANT 3); the catch-up binds again and goes on instead
// of asking a consumer it no longer has (it panicked on a nil consumer),
// and the next wait is longer (noteWait), so a slow server is waited out.
func TestCatchUpBindsAgainAfterACutWait(t *testing.T) {
	r := newRig(t, Options{FetchWait: 20 * time.Millisecond}, nil)
	var lags []*ackLag
	r.w.wrapConsumer = func(c jetstream.Consumer) jetstream.Consumer {
		lag := &ackLag{Consumer: c}
		if len(lags) == 0 {
			lag.lags, lag.cuts = 1, 1
		}
		lags = append(lags, lag)
		return lag
	}
	last := r.publishEpisodes(5)
	if _, err := r.w.CatchUp(t.Context()); err != nil {
		t.Fatalf("catch-up after a cut wait: %v", err)
	}
	// At least: a loaded machine may cut a real wait too, and bind again.
	if len(lags) < 2 || lags[0].cuts != 0 || lags[0].lags != 0 {
		t.Fatalf("%d consumers bound, first with %d cuts and %d lags left: want 2 or more, 0, 0 (the fault was not injected as meant)",
			len(lags), lags[0].cuts, lags[0].lags)
	}
	if got := r.w.nextWait(); got < 40*time.Millisecond {
		t.Errorf("wait after a cut 20ms wait: %v, want at least 40ms (doubled)", got)
	}
	if st := r.store.State(); st.Position != last {
		t.Fatalf("position %d, want %d", st.Position, last)
	}
	if floor, pending := r.consumerState(); floor != last || pending != 0 {
		t.Errorf("consumer ack floor %d with %d pending, want %d and 0", floor, pending, last)
	}
}

// The wait after an empty no-wait fetch: long while messages are pending
// (the server is still loading them), short when only acks are.
func TestCatchUpWaitFor(t *testing.T) {
	w := &Worker{opts: Options{FetchWait: 200 * time.Millisecond}}
	for _, tc := range []struct {
		pending uint64
		want    time.Duration
	}{{0, 200 * time.Millisecond}, {1, catchUpWait}, {1 << 20, catchUpWait}} {
		if got := w.catchUpWaitFor(tc.pending); got != tc.want {
			t.Errorf("%d pending: wait %v, want %v", tc.pending, got, tc.want)
		}
	}
	// after a cut wait (noteWait), the acks-only wait is the longer one
	w.slowWait = 400 * time.Millisecond
	if got := w.catchUpWaitFor(0); got != w.slowWait {
		t.Errorf("after a cut wait, none pending: wait %v, want %v", got, w.slowWait)
	}
}

// cutWait ends the first waiting fetch as cut by its deadline, after the
// server delivered to it; later consumers note whether the worker already
// called itself caught up when they are first asked.
type cutWait struct {
	jetstream.Consumer
	cut     bool
	r       *rig
	asked   bool
	readyAt *bool
}

func (c *cutWait) Fetch(n int, opts ...jetstream.FetchOpt) (jetstream.MessageBatch, error) {
	c.note()
	b, err := c.Consumer.Fetch(n, opts...)
	if err != nil || !c.cut {
		return b, err
	}
	c.cut = false
	for range b.Messages() {
	}
	return &cutBatch{}, nil
}

func (c *cutWait) FetchNoWait(n int) (jetstream.MessageBatch, error) {
	c.note()
	return c.Consumer.FetchNoWait(n)
}

func (c *cutWait) note() {
	if !c.cut && !c.asked {
		c.asked, *c.readyAt = true, c.r.w.Health().CaughtUp
	}
}

// A waiting fetch cut by its deadline is not an empty stream: the worker
// does not report its startup catch-up done (readiness) on it, only on a
// fetch the server ended. Fails if step marks caught up on a cut fetch.
func TestCutWaitIsNotCaughtUp(t *testing.T) {
	r := newRig(t, Options{FetchWait: 50 * time.Millisecond}, nil)
	var binds int
	var readyAtRebind bool
	r.w.wrapConsumer = func(c jetstream.Consumer) jetstream.Consumer {
		binds++
		return &cutWait{Consumer: c, cut: binds == 1, r: r, readyAt: &readyAtRebind}
	}
	last := r.publishEpisodes(5)
	runUntil(t.Context(), t, r, last, func() bool { return r.w.Health().CaughtUp })
	if binds < 2 {
		t.Fatalf("%d binds: the cut was not injected as meant", binds)
	}
	if readyAtRebind {
		t.Error("caught up (ready) after a cut fetch, before anything was applied")
	}
	if st := r.store.State(); st.Position != last {
		t.Fatalf("position %d, want %d", st.Position, last)
	}
	if !r.w.Health().CaughtUp {
		t.Error("never caught up after applying everything")
	}
}
