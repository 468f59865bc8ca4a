package worker

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// healthStep is one evaluation at t0+at: first the heartbeat (if any)
// arrives, the cache reaches applied (if set) and the stream becomes
// unreachable or reachable again; then the worker evaluates.
type healthStep struct {
	at      time.Duration
	beat    *protocol.Heartbeat
	applied uint64 // the cache's applied checkpoint from now on (0: unchanged)
	outage  int    // 1: the stream becomes unreachable, -1: reachable again
	stale   string // each part of the expected stale reason, "|"-separated ("": fresh)
	lag     uint64
	lagSecs float64
	asks    int // polls asked of the changefeed so far
}

func beat(l string, head uint64) *protocol.Heartbeat {
	return &protocol.Heartbeat{Schema: protocol.SchemaVersion, Lineage: l, Head: head}
}

// Staleness and lag on a fake clock (StaleVersions 10, StaleAfter 30s):
// stale when the head is more than StaleVersions ahead, when it has been
// behind for longer than StaleAfter, when no heartbeat came for longer
// than StaleAfter, when the heartbeats are another database's, and while
// the stream is unreachable; fresh again once caught up. A stale, lagging
// worker asks the changefeed for a poll at most every StaleAfter/2.
func TestStalenessAndLag(t *testing.T) {
	const s = time.Second
	versions, behind, silent := "lag in versions over threshold", "behind for too long", "no changefeed heartbeat"
	cases := []struct {
		name  string
		steps []healthStep
	}{
		{"behind by versions", []healthStep{
			{at: 0, beat: beat(lin, 5), applied: 5},
			{at: 1 * s, beat: beat(lin, 15), lag: 10, lagSecs: 1},
			{at: 2 * s, beat: beat(lin, 16), stale: versions, lag: 11, lagSecs: 2},
			{at: 17 * s, beat: beat(lin, 16), stale: versions, lag: 11, lagSecs: 17, asks: 1},
			{at: 18 * s, beat: beat(lin, 16), applied: 16, asks: 1},
		}},
		{"behind for too long", []healthStep{
			{at: 0, beat: beat(lin, 5), applied: 5},
			{at: 10 * s, beat: beat(lin, 6), lag: 1, lagSecs: 10},
			{at: 30 * s, beat: beat(lin, 6), lag: 1, lagSecs: 30},
			{at: 31 * s, beat: beat(lin, 7), stale: behind, lag: 2, lagSecs: 31},
			{at: 32 * s, beat: beat(lin, 7), stale: behind, lag: 2, lagSecs: 32},
			{at: 47 * s, beat: beat(lin, 7), stale: behind, lag: 2, lagSecs: 47, asks: 1},
			{at: 48 * s, applied: 7, asks: 1},
			{at: 49 * s, beat: beat(lin, 8), lag: 1, lagSecs: 1, asks: 1},
		}},
		{"no heartbeat", []healthStep{
			{at: 0},
			{at: 30 * s},
			{at: 31 * s, stale: silent},
			{at: 32 * s, beat: beat(lin, 0)},
			{at: 62 * s},
			{at: 63 * s, stale: silent},
		}},
		{"silent and behind", []healthStep{
			{at: 0, beat: beat(lin, 20), applied: 5, lag: 15, lagSecs: 0, stale: versions, asks: 1},
			// never caught up since it started: no lag in seconds to speak of
			{at: 31 * s, stale: versions + "|" + silent, lag: 15, lagSecs: 0, asks: 2},
		}},
		{"another database's heartbeat", []healthStep{
			{at: 0, beat: beat(lin, 5), applied: 5},
			{at: 1 * s, beat: beat("L2", 500), stale: "the changefeed publishes another database (lineage L2)"},
			{at: 2 * s, beat: beat(lin, 5)},
		}},
		{"stream unreachable", []healthStep{
			{at: 0, beat: beat(lin, 5), applied: 5},
			{at: 1 * s, beat: beat(lin, 5), outage: 1, stale: "cannot reach the stream"},
			{at: 2 * s, beat: beat(lin, 5), outage: -1},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, Options{StaleVersions: 10, StaleAfter: 30 * time.Second}, nil)
			if err := r.store.SetLineage(lin, 0); err != nil {
				t.Fatal(err)
			}
			asks, err := r.nc.SubscribeSync(protocol.DefaultTriggerSubject)
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range tc.steps {
				r.step(st)
				r.checkHealth(i, st, asks)
			}
		})
	}
}

func (r *rig) step(st healthStep) {
	r.t.Helper()
	now := t0.Add(st.at)
	r.clock.set(now)
	if st.beat != nil {
		body, err := json.Marshal(st.beat)
		if err != nil {
			r.t.Fatal(err)
		}
		r.w.onHeartbeat(&nats.Msg{Subject: protocol.HeartbeatSubject(db), Data: body})
	}
	if st.applied > 0 {
		pos := r.store.State().Position + 1
		if _, err := r.store.Apply(r.t.Context(), cachestore.Batch{Position: pos, Checkpoint: st.applied}, nil); err != nil {
			r.t.Fatal(err)
		}
	}
	switch st.outage {
	case 1:
		r.w.outage.Fail(r.w.log, "unreachable", errors.New("no responders"))
	case -1:
		r.w.outage.Recover(r.w.log, "reachable")
	}
	r.w.evaluate(r.w.now())
}

func (r *rig) checkHealth(i int, st healthStep, asks *nats.Subscription) {
	r.t.Helper()
	h := r.w.Health()
	want := strings.ReplaceAll(st.stale, "|", "; ")
	if h.Stale != (st.stale != "") || h.StaleReason != want {
		r.t.Fatalf("step %d at +%v: stale %v (%q), want reason %q", i, st.at, h.Stale, h.StaleReason, want)
	}
	if h.Lag != st.lag || h.LagSeconds != st.lagSecs {
		r.t.Fatalf("step %d at +%v: lag %d versions, %vs; want %d, %vs", i, st.at, h.Lag, h.LagSeconds, st.lag, st.lagSecs)
	}
	if st.beat != nil && st.beat.Lineage == lin && (h.Head != st.beat.Head || !h.LastHeartbeat.Equal(t0.Add(st.at))) {
		r.t.Fatalf("step %d at +%v: head %d heard at %v, want %d now", i, st.at, h.Head, h.LastHeartbeat, st.beat.Head)
	}
	if err := r.nc.Flush(); err != nil { // the worker publishes on this connection: its polls are delivered before the flush returns
		r.t.Fatal(err)
	}
	if n, _, _ := asks.Pending(); n != st.asks {
		r.t.Fatalf("step %d at +%v: %d polls asked, want %d", i, st.at, n, st.asks)
	}
	if since := r.w.Stats().OutageSince; st.outage == 1 && !since.Equal(t0.Add(st.at)) {
		r.t.Fatalf("step %d at +%v: outage since %v, want the fake clock's now", i, st.at, since)
	}
}
