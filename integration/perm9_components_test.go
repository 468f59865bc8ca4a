package integration

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/ops"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/supervisor"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// Issue 9 item 5, the other half: under the real deploy/nats.conf each
// component still does everything it needs with its own user. The real
// changefeed (its trigger responder accepting polls, its status service)
// runs as "changefeed"; a real supervised worker (Turso for validation and
// rebuilds) runs as "worker". The operator validates, polls, re-captures
// (the second full within the limit is refused, naming when the next is
// allowed) and rebuilds; the worker, paused and stale, asks the changefeed
// for polls on sync.trigger.poll (its own real askForPoll). Neither component's connection sees a
// permission violation.
func TestPerm9ComponentsRunWithDeployPermissions(t *testing.T) {
	srv := deployServer(t)
	cfc, wkc, op := connectAs(t, srv, "changefeed"), connectAs(t, srv, "worker"), connectAs(t, srv, "operator")
	db, _ := testenv.Turso(t)
	w := newWriter(t, db, 91, 8)
	w.episodes(20)
	cf, err := changefeed.New(db, cfc.js, &changefeed.Options{PollInterval: 20 * time.Millisecond,
		HeartbeatInterval: 50 * time.Millisecond, Logger: quiet()})
	mustDo(t, err)
	svc, err := cf.AddService()
	mustDo(t, err)
	responder := ops.NewResponder(cfc.nc, cf.HandleTrigger, &ops.ResponderOptions{Name: "changefeed", AcceptPolls: true, Logger: quiet()})
	cfg := rebuild.Config{Dir: filepath.Join(t.TempDir(), "w1"), Options: cachestore.Options{MaxEpisodes: 10}, JS: wkc.js, DB: db,
		Logger: quiet(), Worker: worker.Options{Name: "w1", FetchWait: 20 * time.Millisecond, StaleVersions: 1, StaleAfter: 2 * time.Second,
			TriggerSubject: ops.PollSubject(""), Logger: quiet()}}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{cf.Run, responder.Run,
		func(ctx context.Context) error {
			return supervisor.Supervise(ctx, &supervisor.Options{Config: cfg}, nil)
		}} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = run(ctx) }()
	}
	defer func() { cancel(); wg.Wait(); _ = svc.Stop() }()

	trig := protocol.DefaultTriggerSubject
	consistent := func(what string) {
		eventually(t, 30*time.Second, "w1 consistent "+what+", validated through the operator's trigger", func() bool {
			rep, err := tryTrigger(op, trig, protocol.Trigger{Mode: protocol.TriggerValidate, Target: "w1"}, 2*time.Second)
			return err == nil && rep.OK && strings.Contains(string(rep.Result), `"consistent":true`)
		})
	}
	consistent("at start")
	checkStaleWorkerPolls(t, op, responder, w)
	consistent("after the pause")
	if rep := triggerReply(t, op, trig, protocol.Trigger{Mode: protocol.TriggerIncremental, Target: "changefeed"}); !rep.OK {
		t.Fatalf("operator poll: %+v", rep)
	}
	checkFullTriggers(t, op)
	if rep := triggerReply(t, op, trig, protocol.Trigger{Mode: protocol.TriggerRebuild, Target: "w1"}); !rep.OK {
		t.Fatalf("operator rebuild of w1: %+v", rep)
	}
	if rep := triggerReply(t, wkc, ops.PollSubject(""), protocol.Trigger{Mode: protocol.TriggerFull, Target: "changefeed"}); rep.OK ||
		!strings.Contains(rep.Error, "only incremental") {
		t.Fatalf("a full re-capture asked by the worker user on the poll subject: %+v, want refused", rep)
	}
	consistent("after the rebuild")
	// No dead letter, no outage left, and no step failed for want of a
	// permission (LastError keeps the last failure, also a transient one a
	// loaded machine may cause and the changefeed recovered from).
	st := cf.Stats()
	if st.DeadLetters != 0 || !st.OutageSince.IsZero() || strings.Contains(strings.ToLower(st.LastError), "permission") ||
		strings.Contains(strings.ToLower(st.LastError), "authoriz") {
		t.Fatalf("changefeed under deploy permissions: %+v", st)
	}
	if st.LastError != "" {
		t.Logf("a step failed and was retried: %s", st.LastError)
	}
	for name, u := range map[string]*userConn{"changefeed": cfc, "worker": wkc} {
		if v := u.violations(); len(v) != 0 {
			t.Fatalf("the %s user hit permission violations: %v", name, v)
		}
	}
}

// checkFullTriggers: the operator's first full re-capture runs, a second
// one at once is refused with the time the next is allowed.
func checkFullTriggers(t *testing.T, op *userConn) {
	t.Helper()
	full := protocol.Trigger{Mode: protocol.TriggerFull, Target: "changefeed", Reason: "perm9"}
	first := triggerReply(t, op, protocol.DefaultTriggerSubject, full)
	var rows struct {
		Rows int64 `json:"recaptured_rows"`
	}
	if !first.OK || json.Unmarshal(first.Result, &rows) != nil || rows.Rows == 0 {
		t.Fatalf("operator full re-capture: %+v", first)
	}
	second := triggerReply(t, op, protocol.DefaultTriggerSubject, full)
	var refused changefeed.FullRefused
	mustDo(t, json.Unmarshal(second.Result, &refused))
	within := time.Until(refused.NextFullAt)
	if second.OK || !strings.Contains(second.Error, "rate limited") || !strings.Contains(second.Error, "next is allowed at") ||
		within < 9*time.Minute || within > 10*time.Minute {
		t.Fatalf("second full re-capture at once: %+v, want refused until about 10 minutes from now", second)
	}
	t.Logf("second full trigger refused: %s", second.Error)
}

// checkStaleWorkerPolls pauses w1's consumer (bound and caught up) and
// writes, so w1 falls behind
// (StaleVersions 1) and asks for polls on sync.trigger.poll with the
// worker user; the changefeed's responder runs for them.
func checkStaleWorkerPolls(t *testing.T, op *userConn, responder *ops.Responder, w *writer) {
	t.Helper()
	s, err := op.js.Stream(t.Context(), "MEMSYNC")
	mustDo(t, err)
	name := worker.ConsumerName("default", "w1")
	_, err = s.PauseConsumer(t.Context(), name, time.Now().Add(time.Minute))
	mustDo(t, err)
	runs := responder.Runs.Load()
	w.episodes(3)
	eventually(t, 30*time.Second, "the stale worker's poll to reach the changefeed", func() bool {
		return responder.Runs.Load() > runs
	})
	_, err = s.ResumeConsumer(t.Context(), name)
	mustDo(t, err)
}
