package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// fakeBatch is one pull request's answer: its messages, then its error.
type fakeBatch struct {
	n   int
	err error
}

type batch struct {
	ch  chan jetstream.Msg
	err error
}

func (b *batch) Messages() <-chan jetstream.Msg { return b.ch }
func (b *batch) Error() error                   { return b.err }

type msg struct{ jetstream.Msg }

// fakeConsumer injects the answers a real server gives only by chance (a
// request cut by its own deadline) or under faults; the real-server
// behaviour is covered by integration/prop10_fetch_test.go.
type fakeConsumer struct {
	jetstream.Consumer
	wait, noWait     fakeBatch
	waitFn           func() fakeBatch // when set, the waiting fetch's answer
	waitErr          error            // Fetch itself fails
	fetched, noWaits []int            // batch sizes asked
}

func (f *fakeConsumer) answer(a fakeBatch) jetstream.MessageBatch {
	b := &batch{ch: make(chan jetstream.Msg, a.n), err: a.err}
	for range a.n {
		b.ch <- msg{}
	}
	close(b.ch)
	return b
}

func (f *fakeConsumer) Fetch(n int, _ ...jetstream.FetchOpt) (jetstream.MessageBatch, error) {
	f.fetched = append(f.fetched, n)
	if f.waitErr != nil {
		return nil, f.waitErr
	}
	if f.waitFn != nil {
		return f.answer(f.waitFn()), nil
	}
	return f.answer(f.wait), nil
}

func (f *fakeConsumer) FetchNoWait(n int) (jetstream.MessageBatch, error) {
	f.noWaits = append(f.noWaits, n)
	return f.answer(f.noWait), nil
}

// Issue 10 item 2: a waiting fetch asks for one message, then takes what
// else is there without waiting; a request cut by its context makes the
// worker bind again before the next fetch (a message delivered to it may
// have been dropped, and AckAll must not acknowledge over it).
func TestFetchAppliesWhatArrived(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name        string
		batchSize   int
		c           fakeConsumer
		wantMsgs    int
		wantNoWaits []int
		wantRebind  bool
		wantErr     bool
	}{
		{"server expiry, nothing arrived", 256, fakeConsumer{wait: fakeBatch{0, nil}}, 0, nil, false, false},
		{"server timeout status", 256, fakeConsumer{wait: fakeBatch{0, nats.ErrTimeout}}, 0, nil, false, false},
		{"one arrived, three more there", 256, fakeConsumer{wait: fakeBatch{1, nil}, noWait: fakeBatch{3, nil}}, 4, []int{255}, false, false},
		{"one arrived, nothing more", 256, fakeConsumer{wait: fakeBatch{1, nil}, noWait: fakeBatch{0, nil}}, 1, []int{255}, false, false},
		{"batch size 1 asks once", 1, fakeConsumer{wait: fakeBatch{1, nil}}, 1, nil, false, false},
		{"cut by its deadline after a message", 256, fakeConsumer{wait: fakeBatch{1, context.DeadlineExceeded}}, 1, nil, true, false},
		{"cut by its deadline, empty", 256, fakeConsumer{wait: fakeBatch{0, context.DeadlineExceeded}}, 0, nil, true, false},
		{"the rest fails: the first alone", 256, fakeConsumer{wait: fakeBatch{1, nil}, noWait: fakeBatch{0, boom}}, 1, []int{255}, false, false},
		{"request refused", 256, fakeConsumer{waitErr: boom}, 0, nil, false, true},
		{"request failed, nothing arrived", 256, fakeConsumer{wait: fakeBatch{0, boom}}, 0, nil, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fc := tc.c
			w := &Worker{cons: &fc, log: slog.New(slog.DiscardHandler), now: time.Now,
				opts: Options{BatchSize: tc.batchSize, FetchWait: 200 * time.Millisecond}}
			msgs, err := w.fetch(t.Context(), w.opts.FetchWait)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if len(msgs) != tc.wantMsgs || len(fc.fetched) != 1 || fc.fetched[0] != 1 {
				t.Fatalf("%d messages from waiting fetches %v, want %d from one fetch of 1", len(msgs), fc.fetched, tc.wantMsgs)
			}
			if len(fc.noWaits) != len(tc.wantNoWaits) || (len(fc.noWaits) > 0 && fc.noWaits[0] != tc.wantNoWaits[0]) {
				t.Fatalf("no-wait fetches %v, want %v", fc.noWaits, tc.wantNoWaits)
			}
			if rebind := w.cons == nil; rebind != tc.wantRebind {
				t.Fatalf("consumer dropped for a re-bind: %v, want %v", rebind, tc.wantRebind)
			}
		})
	}
}

// The fetch context's deadline gives the server exactly FetchWait, by the
// rule jetstream.FetchContext applies (the server gets the time left less
// a tenth of it, at most 1s less), so the server ends a request first.
func TestFetchDeadlineLetsTheServerExpireFirst(t *testing.T) {
	for _, wait := range []time.Duration{10 * time.Millisecond, 200 * time.Millisecond, 9 * time.Second, 30 * time.Second, time.Minute} {
		left := fetchDeadline(wait)
		server := left - min(time.Duration(float64(left)*0.1), time.Second)
		if d := server - wait; d < -time.Microsecond || d > time.Microsecond || left <= wait {
			t.Errorf("FetchWait %v: context deadline %v gives the server %v", wait, left, server)
		}
	}
}

// A server slower than FetchWait to deliver the first message (the 1M
// scale run under an update burst: a fresh consumer's first delivery took
// longer than 222 ms) cuts every fetch of FetchWait. The worker doubles the
// wait after each cut until the server is waited out, keeps it while
// messages arrive, and goes back to FetchWait after the server ended a
// fetch empty; the wait never exceeds catchUpWait. Before, every fetch
// waited FetchWait, was cut, and the consumer re-created: nothing was
// applied.
func TestSlowServerIsWaitedOut(t *testing.T) {
	const fetchWait = 200 * time.Millisecond
	cases := []struct {
		name      string
		slow      time.Duration // the server delivers once a fetch waits this long
		wantWaits []time.Duration
	}{
		{"fast server", 0, []time.Duration{200 * time.Millisecond}},
		{"slower than one wait", 300 * time.Millisecond, []time.Duration{200 * time.Millisecond, 400 * time.Millisecond}},
		{"slower than three", 1500 * time.Millisecond, []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond}},
		{"slower than the cap", time.Hour, []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond, 5 * time.Second, 5 * time.Second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := &Worker{log: slog.New(slog.DiscardHandler), now: time.Now,
				opts: Options{BatchSize: 1, FetchWait: fetchWait}}
			var waits []time.Duration
			fc := &fakeConsumer{waitFn: func() fakeBatch {
				if w.nextWait() < tc.slow {
					return fakeBatch{0, context.DeadlineExceeded} // cut by its own deadline
				}
				return fakeBatch{1, nil}
			}}
			for range len(tc.wantWaits) {
				w.cons = fc // bound again after a cut
				wait := w.nextWait()
				waits = append(waits, wait)
				msgs, err := w.fetch(t.Context(), wait)
				if err != nil {
					t.Fatal(err)
				}
				if len(msgs) > 0 {
					break
				}
			}
			if fmt.Sprint(waits) != fmt.Sprint(tc.wantWaits) {
				t.Fatalf("fetches waited %v, want %v", waits, tc.wantWaits)
			}
			if tc.slow == time.Hour {
				return
			}
			if last := tc.wantWaits[len(tc.wantWaits)-1]; w.nextWait() != last {
				t.Fatalf("after the server delivered, the next wait is %v, want %v kept while messages arrive", w.nextWait(), last)
			}
			fc.waitFn = func() fakeBatch { return fakeBatch{0, nil} } // idle: the server's expiry
			w.cons = fc
			if _, err := w.fetch(t.Context(), w.nextWait()); err != nil {
				t.Fatal(err)
			}
			if w.nextWait() != fetchWait {
				t.Fatalf("after the server ended a fetch empty, the next wait is %v, want FetchWait %v", w.nextWait(), fetchWait)
			}
		})
	}
}
