package worker

import (
	"context"
	"errors"
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
	waitErr          error // Fetch itself fails
	fetched, noWaits []int // batch sizes asked
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
