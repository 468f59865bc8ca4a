package worker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// failingApply is a cache whose Apply fails (a fault): nothing of the
// batch becomes durable.
type failingApply struct {
	Cache
	err error
}

func (f failingApply) Apply(context.Context, cachestore.Batch, cachestore.BodySource) (cachestore.ApplyStats, error) {
	return cachestore.ApplyStats{}, f.err
}

type decodeCase struct {
	name      string
	msgs      []pub
	failApply error // the cache's Apply fails with it
	replay    bool  // catch up, then replay the stream from position 0 (every message redelivered)
	wantErr   error
	cached    map[string]uint64 // episode id -> version cached
	applied   uint64            // the cache's applied checkpoint
	position  int               // 1-based index in msgs of the last message applied (0: none)
	dead      []string          // each dead letter's reason contains this, in order
	stats     Stats             // Received, Applied, Skipped and DeadLetters
}

const db, lin = "default", "L1"

// The decode, park and ack path of one cache, on a real nats-server and a
// real cache: a message that decodes is applied and acknowledged only
// once its batch is durable; a malformed one is parked in the dead-letter
// stream with its reason and acknowledged after the commit; checkpoints
// move the applied version; another database's messages are never
// delivered, another lineage's stop the batch unacknowledged, an earlier
// one's leftovers are skipped; a redelivered batch is a no-op and parks
// nothing twice.
func TestDecodeParkAck(t *testing.T) {
	other := "other"
	cases := []decodeCase{
		{name: "an upsert decodes: applied, then acked",
			msgs:   []pub{episode(db, lin, "a", 3)},
			cached: map[string]uint64{"a": 3}, position: 1, stats: Stats{Received: 1, Applied: 1}},
		{name: "undecodable JSON is parked with its reason; the next change applies",
			msgs:   []pub{raw(subject(db, protocol.EntityEpisode, "bad"), "{garbage"), episode(db, lin, "b", 4)},
			cached: map[string]uint64{"b": 4}, position: 2, dead: []string{"malformed message"},
			stats: Stats{Received: 2, Applied: 1, DeadLetters: 1}},
		{name: "an envelope whose row cannot be prepared is parked",
			msgs: []pub{envelope(db, protocol.Envelope{Entity: protocol.EntityEpisode, Op: protocol.OpUpsert, ID: "c", Version: 5,
				Lineage: lin, Data: []byte(`{"episode_id":"c"}`)}), episode(db, lin, "d", 6)},
			cached: map[string]uint64{"d": 6}, position: 2, dead: []string{"episode without episode_id or start_time"},
			stats: Stats{Received: 2, Applied: 1, DeadLetters: 1}},
		{name: "a body only the reference decodes (a duplicate, a case-folded key) applies as it decodes it",
			msgs: []pub{raw(subject(db, protocol.EntityEpisode, "ref"),
				`{"schema":1,"entity":"episode","op":"upsert","id":"ref","version":3,"Version":16,"lineage":"L1",`+
					`"data":{"episode_id":"ref","start_time":1,"START_TIME":2}}`)},
			cached: map[string]uint64{"ref": 16}, position: 1, stats: Stats{Received: 1, Applied: 1}},
		{name: "an embedding whose vector disagrees with its dimension is parked",
			msgs: []pub{envelope(db, protocol.Envelope{Entity: protocol.EntityEmbedding, Op: protocol.OpUpsert, ID: "m", Version: 5,
				Lineage: lin, Data: []byte(`{"embedding_id":"m","item_id":"d","item_type":"episode","dimension":2,"dtype":"f32le","vector":"AAAAPw=="}`)}),
				episode(db, lin, "d", 6)},
			cached: map[string]uint64{"d": 6}, position: 2, dead: []string{"bad vector"},
			stats: Stats{Received: 2, Applied: 1, DeadLetters: 1}},
		{name: "an embedding of an unknown owner kind is parked",
			msgs: []pub{envelope(db, protocol.Envelope{Entity: protocol.EntityEmbedding, Op: protocol.OpUpsert, ID: "m", Version: 5,
				Lineage: lin, Data: []byte(`{"embedding_id":"m","item_id":"d","item_type":"agent","dimension":1,"dtype":"f32le","vector":"AAAAPw=="}`)})},
			position: 1, dead: []string{"unknown entity"}, stats: Stats{Received: 1, DeadLetters: 1}},
		{name: "an envelope of version 0 is parked",
			msgs:     []pub{envelope(db, protocol.Envelope{Entity: protocol.EntityEpisode, Op: protocol.OpDelete, ID: "e", Lineage: lin})},
			position: 1, dead: []string{"version 0"}, stats: Stats{Received: 1, DeadLetters: 1}},
		{name: "a checkpoint moves the applied version",
			msgs:   []pub{episode(db, lin, "a", 7), checkpoint(db, lin, 7)},
			cached: map[string]uint64{"a": 7}, applied: 7, position: 2, stats: Stats{Received: 2, Applied: 1}},
		{name: "an undecodable checkpoint is parked; the applied version stays",
			msgs:    []pub{checkpoint(db, lin, 2), raw(protocol.CheckpointSubject(db), `{"schema":99}`)},
			applied: 0, position: 2, dead: []string{"checkpoint schema 99"},
			stats: Stats{Received: 1, DeadLetters: 1}},
		{name: "another database's messages are never delivered",
			msgs:   []pub{episode(other, lin, "x", 8), checkpoint(other, lin, 8), episode(db, lin, "a", 9)},
			cached: map[string]uint64{"a": 9}, position: 3, stats: Stats{Received: 1, Applied: 1}},
		{name: "another lineage above the known checkpoint stops the batch, unparked and unacked",
			msgs:    []pub{checkpoint(db, lin, 1), episode(db, "L2", "y", 10)},
			wantErr: ErrLineageChanged},
		{name: "another lineage's row that would not prepare stops the batch too: a rebuild, never a dead letter",
			msgs: []pub{checkpoint(db, lin, 1), envelope(db, protocol.Envelope{Entity: protocol.EntityEpisode, Op: protocol.OpUpsert,
				ID: "f", Version: 6, Lineage: "L2", Data: []byte(`{"episode_id":"f"}`)})},
			wantErr: ErrLineageChanged},
		{name: "an earlier database's leftovers below the checkpoint are skipped",
			msgs:   []pub{episode(db, "L0", "old", 11), checkpoint(db, lin, 12), episode(db, lin, "new", 13)},
			cached: map[string]uint64{"new": 13}, applied: 12, position: 3, stats: Stats{Received: 3, Applied: 1}},
		{name: "Apply fails: nothing acked, the parked message not terminated",
			msgs:      []pub{raw(subject(db, protocol.EntityEpisode, "bad"), "{garbage"), episode(db, lin, "a", 14)},
			failApply: cachestore.ErrCorrupt, wantErr: cachestore.ErrCorrupt, dead: []string{"malformed message"}},
		{name: "a redelivered batch is a no-op and parks nothing twice",
			msgs:   []pub{raw(subject(db, protocol.EntityEpisode, "bad"), "{garbage"), episode(db, lin, "a", 15), checkpoint(db, lin, 15)},
			replay: true, cached: map[string]uint64{"a": 15}, applied: 15, position: 3, dead: []string{"malformed message"},
			stats: Stats{Received: 6, Applied: 1, Skipped: 1, DeadLetters: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t) })
	}
}

func (tc decodeCase) run(t *testing.T) {
	var wrap func(*cachestore.Store) Cache
	if tc.failApply != nil {
		wrap = func(s *cachestore.Store) Cache { return failingApply{s, tc.failApply} }
	}
	r := newRig(t, Options{}, wrap)
	seqs := make([]uint64, len(tc.msgs))
	for i, m := range tc.msgs {
		seqs[i] = r.publish(m)
	}
	_, err := r.w.CatchUp(t.Context())
	if tc.replay && err == nil {
		if err := r.store.ResetPosition(); err != nil {
			t.Fatal(err)
		}
		_, err = r.w.CatchUp(t.Context())
	}
	if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
		t.Fatalf("catch up: %v, want %v", err, tc.wantErr)
	}
	tc.checkCache(t, r)
	tc.checkDeadLetters(t, r)
	s := r.w.Stats()
	if got := (Stats{Received: s.Received, Applied: s.Applied, Skipped: s.Skipped, DeadLetters: s.DeadLetters}); got != tc.stats {
		t.Errorf("stats %+v, want %+v", got, tc.stats)
	}
	want := uint64(0)
	if tc.position > 0 {
		want = seqs[tc.position-1]
	}
	// INVARIANT 3: the ack floor never passes the durable position.
	floor, pending := r.consumerState()
	durable := r.reopened().Position
	if floor != want || durable != want || (tc.wantErr == nil && pending != 0) {
		t.Fatalf("ack floor %d (%d pending), durable position %d; want both %d", floor, pending, durable, want)
	}
	if tc.wantErr != nil && tc.failApply != nil && pending != len(tc.msgs) {
		t.Fatalf("%d messages pending acknowledgement after a failed Apply, want all %d", pending, len(tc.msgs))
	}
}

func (tc decodeCase) checkCache(t *testing.T, r *rig) {
	t.Helper()
	for id, v := range tc.cached {
		if _, got, err := r.store.Episode(id); err != nil || got != v {
			t.Errorf("episode %q: version %d (%v), want %d", id, got, err, v)
		}
	}
	if c, err := r.store.Counts(); err != nil || c.Episodes != len(tc.cached) {
		t.Errorf("%d episodes cached (%v), want %d", c.Episodes, err, len(tc.cached))
	}
	if got := r.store.State().AppliedVersion; got != tc.applied {
		t.Errorf("applied version %d, want %d", got, tc.applied)
	}
}

func (tc decodeCase) checkDeadLetters(t *testing.T, r *rig) {
	t.Helper()
	dl := r.deadLetters()
	if len(dl) != len(tc.dead) {
		t.Fatalf("%d dead letters, want %d", len(dl), len(tc.dead))
	}
	for i, m := range dl {
		h := m.Header
		if reason := h.Get(protocol.HeaderError); !strings.Contains(reason, tc.dead[i]) {
			t.Errorf("dead letter %d: reason %q, want it to name %q", i, reason, tc.dead[i])
		}
		if h.Get(protocol.HeaderSource) != "worker default" || h.Get(protocol.HeaderOrigSubject) == "" {
			t.Errorf("dead letter %d: source %q, original subject %q", i, h.Get(protocol.HeaderSource), h.Get(protocol.HeaderOrigSubject))
		}
		if id := h.Get(protocol.HeaderMsgID); !strings.HasPrefix(id, fmt.Sprintf("dlq.%s.default.", db)) {
			t.Errorf("dead letter %d: message id %q, want the dead letter's own", i, id)
		}
		if h.Get("Nats-Expected-Stream") != "" || h.Get(protocol.HeaderEntity) == "" {
			t.Errorf("dead letter %d: headers %v, want the original's without its Nats-* ones", i, h)
		}
	}
}

// keepData is a cache that keeps every applied change's data, as it came
// from its message (protocol.DecodeEnvelope does not copy it).
type keepData struct {
	Cache
	kept *[][]byte
}

func (k keepData) Apply(ctx context.Context, b cachestore.Batch, src cachestore.BodySource) (cachestore.ApplyStats, error) {
	for _, c := range b.Changes {
		*k.kept = append(*k.kept, c.Data)
	}
	return k.Cache.Apply(ctx, b, src)
}

// Data kept from a message stays that message's bytes after later fetches:
// nats.go gives every delivered message its own buffer.
func TestDecodedDataOutlivesLaterFetches(t *testing.T) {
	var kept [][]byte
	r := newRig(t, Options{BatchSize: 16}, func(s *cachestore.Store) Cache { return keepData{s, &kept} })
	var want [][]byte
	for i := range 100 {
		m := episode(db, lin, fmt.Sprintf("e%03d", i), uint64(i+1))
		env, err := protocol.DecodeEnvelope(m.body)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, slices.Clone(env.Data))
		r.publish(m)
	}
	if _, err := r.w.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(kept) != len(want) {
		t.Fatalf("%d changes applied, want %d", len(kept), len(want))
	}
	for i := range want {
		if string(kept[i]) != string(want[i]) {
			t.Fatalf("change %d's data is now %q, want %q", i, kept[i], want[i])
		}
	}
}
