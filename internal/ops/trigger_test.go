package ops

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/protocol"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Triggers that arrive while a mode is being handled are coalesced into one
// run, and every request still gets its reply; other targets are ignored;
// malformed triggers get an error reply.
func TestResponderCoalescesAndReplies(t *testing.T) {
	n := testenv.StartNATS(t)
	nc, _ := n.Connect(t)
	release, entered := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	calls := map[protocol.TriggerMode]int{}
	h := func(ctx context.Context, mode protocol.TriggerMode) (any, bool, error) {
		mu.Lock()
		calls[mode]++
		first := calls[mode] == 1
		mu.Unlock()
		if first && mode == protocol.TriggerValidate {
			close(entered)
			<-release // hold the first run while more requests queue up
		}
		return map[string]string{"mode": string(mode)}, mode != protocol.TriggerRebuild, nil
	}
	r := NewResponder(nc, h, &ResponderOptions{Name: "w1", Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitListening(t, nc, protocol.DefaultTriggerSubject)

	replies := make(chan protocol.TriggerReply, 32)
	ask := func(body string) {
		go func() {
			m, err := nc.Request(protocol.DefaultTriggerSubject, []byte(body), 5*time.Second)
			if err != nil {
				replies <- protocol.TriggerReply{Error: "no reply: " + err.Error()}
				return
			}
			var rep protocol.TriggerReply
			_ = json.Unmarshal(m.Data, &rep)
			replies <- rep
		}()
	}
	ask(`{"mode":"validate"}`)
	<-entered
	// The 5 are queued at the responder before the first run ends: the
	// flush returns after the server handled them, and it delivers them to
	// the responder's subscription on this same connection before the
	// flush's answer.
	inbox := nc.NewRespInbox()
	queued, err := nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := nc.PublishRequest(protocol.DefaultTriggerSubject, inbox, []byte(`{"mode":"validate","target":"w1"}`)); err != nil {
			t.Fatal(err)
		}
	}
	_ = nc.Publish(protocol.DefaultTriggerSubject, []byte(`{"mode":"validate","target":"other"}`))
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	close(release)
	if rep := <-replies; !rep.OK || rep.From != "w1" {
		t.Fatalf("reply to the first: %+v", rep)
	}
	for i := range 5 {
		m, err := queued.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("reply %d of the queued: %v", i, err)
		}
		var rep protocol.TriggerReply
		if err := json.Unmarshal(m.Data, &rep); err != nil || !rep.OK || rep.From != "w1" {
			t.Fatalf("reply %d of the queued: %+v (%v)", i, rep, err)
		}
	}
	mu.Lock()
	got := calls[protocol.TriggerValidate]
	mu.Unlock()
	if got != 2 {
		t.Fatalf("6 validate requests ran the handler %d times, want 2 (one, then the 5 coalesced)", got)
	}
	ask(`{"mode":"explode"}`)
	if rep := <-replies; rep.OK || rep.Error == "" {
		t.Fatalf("malformed trigger: %+v", rep)
	}
	ask(`{"mode":"rebuild","target":"w1"}`) // named but unsupported: an error reply
	if rep := <-replies; rep.OK || rep.Error == "" {
		t.Fatalf("unsupported named mode: %+v", rep)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	nc.Close()
	n.Stop()
}
