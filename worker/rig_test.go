package worker

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/protocol"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock is the worker's clock in tests: it moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) set(t time.Time) {
	f.mu.Lock()
	f.t = t
	f.mu.Unlock()
}

// rig is one worker over a real cache in t.TempDir() and a real
// in-process nats-server holding memsync's two streams.
type rig struct {
	t     *testing.T
	nc    *nats.Conn
	js    jetstream.JetStream
	dir   string
	store *cachestore.Store
	w     *Worker
	clock *fakeClock
	copts cachestore.Options // the cache's options (open)
}

// t0 is where every fake clock starts.
var t0 = time.Unix(1_700_000_000, 0)

// newRig starts the server, creates the streams (the changefeed's shape,
// written out here: worker never imports changefeed), opens the cache and
// builds the worker on wrap(store) (nil: the store itself).
func newRig(t *testing.T, o Options, wrap func(*cachestore.Store) Cache) *rig {
	t.Helper()
	return newRigWith(t, o, cachestore.Options{}, wrap)
}

// newRigWith is newRig over a cache opened with copts.
func newRigWith(t *testing.T, o Options, copts cachestore.Options, wrap func(*cachestore.Store) Cache) *rig {
	t.Helper()
	n := testenv.StartNATS(t)
	nc, js := n.Connect(t)
	for _, cfg := range []jetstream.StreamConfig{
		{Name: protocol.DefaultStream, Subjects: protocol.StreamSubjects(), MaxMsgsPerSubject: 1, AllowDirect: true, Duplicates: time.Minute},
		{Name: protocol.DefaultDLQStream, Subjects: []string{protocol.DLQSubjectRoot + ".>"}},
	} {
		if _, err := js.CreateStream(t.Context(), cfg); err != nil {
			t.Fatal(err)
		}
	}
	r := &rig{t: t, nc: nc, js: js, dir: filepath.Join(t.TempDir(), "cache"), clock: &fakeClock{t: t0}, copts: copts}
	r.open()
	var c Cache = r.store
	if wrap != nil {
		c = wrap(r.store)
	}
	o.Logger = slog.New(slog.DiscardHandler)
	w, err := New(c, js, &o)
	if err != nil {
		t.Fatal(err)
	}
	w.now = r.clock.now
	r.w = w
	return r
}

func (r *rig) open() {
	r.t.Helper()
	copts := r.copts
	st, err := cachestore.Open(r.dir, &copts)
	if err != nil {
		r.t.Fatal(err)
	}
	r.store = st
	r.t.Cleanup(func() { _ = st.Close() })
}

// reopened is the cache's position as a fresh Open reads it from disk.
func (r *rig) reopened() cachestore.State {
	r.t.Helper()
	if err := r.store.Close(); err != nil {
		r.t.Fatal(err)
	}
	r.open()
	return r.store.State()
}

// pub is one message published to the stream.
type pub struct {
	subject string
	body    []byte
	header  nats.Header
}

func (r *rig) publish(ms ...pub) (last uint64) {
	r.t.Helper()
	for _, m := range ms {
		nm := &nats.Msg{Subject: m.subject, Data: m.body, Header: m.header}
		ack, err := r.js.PublishMsg(r.t.Context(), nm)
		if err != nil {
			r.t.Fatalf("publish %s: %v", m.subject, err)
		}
		last = ack.Sequence
	}
	return last
}

func subject(db string, e protocol.Entity, id string) string {
	s, _ := protocol.EntitySubject(db, e, id)
	return s
}

// episode is an upsert of episode id at version v of lineage l in db.
func episode(db, l, id string, v uint64) pub {
	return envelope(db, protocol.Envelope{Entity: protocol.EntityEpisode, Op: protocol.OpUpsert, ID: id, Version: v, Lineage: l, Data: testEpisodeRow(id, v)})
}

// testEpisodeRow is the row of a test episode started at v.
func testEpisodeRow(id string, v uint64) []byte {
	row, _ := protocol.MarshalRow(&protocol.Episode{EpisodeID: id, TaskType: "test", StartTime: int64(v), Steps: "[]",
		Patterns: "[]", Heuristics: "[]", Checkpoints: "[]", Metadata: "{}", Context: "{}", Domain: "d"})
	return row
}

func envelope(db string, e protocol.Envelope) pub {
	e.Schema = protocol.SchemaVersion
	body, err := json.Marshal(e) // not EncodeEnvelope: tests also send bodies it would refuse
	if err != nil {
		panic(err)
	}
	return pub{subject: subject(db, e.Entity, e.ID), body: body, header: nats.Header{protocol.HeaderEntity: {string(e.Entity)}}}
}

func checkpoint(db, l string, cursor uint64) pub {
	body, _ := protocol.EncodeCheckpoint(&protocol.Checkpoint{Lineage: l, Cursor: cursor, Head: cursor})
	return pub{subject: protocol.CheckpointSubject(db), body: body}
}

// raw is a message with any body, carrying server instructions (Nats-*
// headers) a dead letter must not repeat: the dead-letter stream would
// refuse one expecting the data stream.
func raw(subject, body string) pub {
	return pub{subject: subject, body: []byte(body), header: nats.Header{
		"Nats-Msg-Id":          {"orig-" + strconv.Itoa(len(body))},
		"Nats-Expected-Stream": {protocol.DefaultStream},
		protocol.HeaderEntity:  {"episode"},
	}}
}

// consumerState is the server's view of the worker's consumer.
func (r *rig) consumerState() (ackFloor uint64, ackPending int) {
	r.t.Helper()
	c, err := r.js.Consumer(r.t.Context(), protocol.DefaultStream, ConsumerName(r.w.opts.DBName, r.w.opts.Name))
	if err != nil {
		r.t.Fatal(err)
	}
	info, err := c.Info(r.t.Context())
	if err != nil {
		r.t.Fatal(err)
	}
	return info.AckFloor.Stream, info.NumAckPending
}

// deadLetters reads the dead-letter stream.
func (r *rig) deadLetters() []*jetstream.RawStreamMsg {
	r.t.Helper()
	s, err := r.js.Stream(r.t.Context(), protocol.DefaultDLQStream)
	if err != nil {
		r.t.Fatal(err)
	}
	info, err := s.Info(r.t.Context())
	if err != nil {
		r.t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(r.t.Context(), seq)
		if err != nil {
			r.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// episodeID is the id publishEpisodes gives its ith episode.
func episodeID(i int) string { return fmt.Sprintf("e%02d", i) }

// publishEpisodes publishes n new episodes (episodeID(i) at version i+1)
// and a checkpoint at n; it returns the checkpoint's stream sequence.
func (r *rig) publishEpisodes(n int) (last uint64) {
	var msgs []pub
	for i := range n {
		msgs = append(msgs, episode(db, lin, episodeID(i), uint64(i+1)))
	}
	return r.publish(append(msgs, checkpoint(db, lin, uint64(n)))...)
}

// wantEpisodes fails the test for each of publishEpisodes' n episodes the
// cache does not hold at its version.
func (r *rig) wantEpisodes(n int) {
	r.t.Helper()
	for i := range n {
		if _, v, err := r.store.Episode(episodeID(i)); err != nil || v != uint64(i+1) {
			r.t.Errorf("episode %s: version %d, %v; want %d", episodeID(i), v, err, i+1)
		}
	}
}
