package ops

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/protocol"
)

// Issue 9 item 5: a responder that accepts polls also answers on the poll
// subject (sync.trigger.poll), where the deployment lets the workers
// publish; there only incremental requests run the handler, anything else
// is refused with an error naming the subject to use. A responder without
// AcceptPolls does not listen there.
func TestPollSubjectAcceptsOnlyIncremental(t *testing.T) {
	n := testenv.StartNATS(t)
	nc, _ := n.Connect(t)
	var mu sync.Mutex
	calls := map[protocol.TriggerMode]int{}
	h := func(_ context.Context, mode protocol.TriggerMode) (any, bool, error) {
		mu.Lock()
		defer mu.Unlock()
		calls[mode]++
		return map[string]string{"mode": string(mode)}, true, nil
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, r := range []*Responder{
		NewResponder(nc, h, &ResponderOptions{Name: "changefeed", AcceptPolls: true, Logger: slog.New(slog.DiscardHandler)}),
		NewResponder(nc, h, &ResponderOptions{Name: "w1", Logger: slog.New(slog.DiscardHandler)}),
	} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.Run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	poll := PollSubject("")
	if poll != "sync.trigger.poll" {
		t.Fatalf("poll subject %q, want sync.trigger.poll", poll)
	}
	waitListening(t, nc, poll)
	cases := []struct {
		name    string
		subject string
		body    string
		ok      bool
		errHas  string
		from    string
	}{
		{"incremental poll", poll, `{"mode":"incremental","target":"changefeed","reason":"worker w1 is stale"}`, true, "", "changefeed"},
		{"full on the poll subject", poll, `{"mode":"full","target":"changefeed"}`, false, "sync.trigger.poll accepts only incremental", "changefeed"},
		{"rebuild on the poll subject", poll, `{"mode":"rebuild","target":"*"}`, false, "triggers go to sync.trigger", "changefeed"},
		{"full on the trigger subject", protocol.DefaultTriggerSubject, `{"mode":"full","target":"changefeed"}`, true, "", "changefeed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := request(t, nc, tc.subject, tc.body)
			if rep.OK != tc.ok || rep.From != tc.from || !strings.Contains(rep.Error, tc.errHas) {
				t.Fatalf("reply %+v, want ok=%v from %s with error containing %q", rep, tc.ok, tc.from, tc.errHas)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if calls[protocol.TriggerFull] != 1 || calls[protocol.TriggerRebuild] != 0 || calls[protocol.TriggerIncremental] != 1 {
		t.Fatalf("handler runs %v, want one incremental (the poll) and one full (the trigger subject)", calls)
	}
}

// A poll subject only the changefeed listens on: a worker's responder
// (no AcceptPolls) never subscribes to it, so its NATS user needs no
// permission there.
func TestResponderWithoutPollsDoesNotListen(t *testing.T) {
	n := testenv.StartNATS(t)
	nc, _ := n.Connect(t)
	h := func(context.Context, protocol.TriggerMode) (any, bool, error) { return nil, true, nil }
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	r := NewResponder(nc, h, &ResponderOptions{Name: "w1", Logger: slog.New(slog.DiscardHandler)})
	go func() { defer close(done); _ = r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitListening(t, nc, protocol.DefaultTriggerSubject)
	_, err := nc.Request(PollSubject(""), []byte(`{"mode":"incremental","target":"w1"}`), time.Second)
	if !errors.Is(err, nats.ErrNoResponders) {
		t.Fatalf("poll to a responder without AcceptPolls: %v, want no responders", err)
	}
}

// waitListening waits until a responder answers a malformed request on subject.
func waitListening(t *testing.T, nc *nats.Conn, subject string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := nc.Request(subject, []byte(`{}`), 200*time.Millisecond); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nobody listens on %s", subject)
		}
	}
}

func request(t *testing.T, nc *nats.Conn, subject, body string) protocol.TriggerReply {
	t.Helper()
	m, err := nc.Request(subject, []byte(body), 5*time.Second)
	if err != nil {
		t.Fatalf("request on %s: %v", subject, err)
	}
	var rep protocol.TriggerReply
	if err := json.Unmarshal(m.Data, &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}
