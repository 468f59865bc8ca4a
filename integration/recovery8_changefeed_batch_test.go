package integration

import (
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// Issue 8, item 3: batches are bounded by bytes as well as rows. 300
// episodes of ~40 KB (12 MB) with the default options never go out as one
// atomic batch over the default byte limit, and all of them arrive.
func TestBatchesBoundedByBytes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  changefeed.Options
		limit int
	}{
		{"default limit", changefeed.Options{}, changefeed.DefaultMaxBatchBytes},
		{"configured limit", changefeed.Options{MaxBatchBytes: 1 << 20}, 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			cf := e.changefeed(tc.opts)
			sent := e.watchBatches()
			w := newWriter(t, e.db, 811, 4)
			for range 300 {
				ep := w.g.Episode(0, nil)
				ep.Steps = `["` + strings.Repeat("x", 40_000) + `"]`
				w.put(ep)
			}
			e.publishAll(cf)
			e.checkStreamMatchesTurso()
			batches := sent.all()
			if len(batches) < 2 {
				t.Fatalf("%d batches for 12 MB", len(batches))
			}
			for i, b := range batches {
				if b.bytes > tc.limit {
					t.Fatalf("batch %d of %d carries %d bytes in %d messages, over the %d-byte limit", i, len(batches), b.bytes, b.msgs, tc.limit)
				}
			}
		})
	}
}

// A server whose max_batch_size is below the batch size: the refused batch
// leaves nothing in the stream, the changefeed learns the limit from the
// rejection and publishes smaller atomic batches in the same step (so `run
// --once` succeeds too); nothing half-published, nothing lost.
func TestServerBatchLimitIsLearned(t *testing.T) {
	db, _ := testenv.Turso(t)
	n := testenv.StartNATSWith(t, func(o *server.Options) { o.JetStreamLimits.MaxBatchSize = 20 })
	_, js := n.Connect(t)
	e := &env{t: t, db: db, nats: n, js: js}
	cf := e.changefeed(changefeed.Options{})
	sent := e.watchBatches()
	mustDo(t, seed.Seed(t.Context(), db.SQL(), seed.Options{Episodes: 60, Patterns: 3, EmbeddingDim: 4, Seed: 6}))
	r, err := cf.PollOnce(t.Context())
	mustDo(t, err)
	// The refused 126-message batch left nothing; the step then published
	// one batch at the server's limit: 19 entity messages and the checkpoint.
	if last := e.streamLastSeq(); last != 20 || r.Published != 19 {
		t.Fatalf("first step: %d messages in the stream, %d published; want 20 and 19", last, r.Published)
	}
	e.publishAll(cf)
	e.checkStreamMatchesTurso()
	batches := sent.all()
	for i, b := range batches[1:] { // the first one taught the changefeed the limit
		if b.msgs > 20 {
			t.Fatalf("batch %d of %d has %d messages, over the server's 20", i+1, len(batches), b.msgs)
		}
	}
	c := e.openCache("", cachestore.Options{MaxEpisodes: 0}, worker.Options{})
	e.catchUp(c)
	e.mustConsistent(c)
}

// A message the server rejects even alone (here: the operator lowered the
// stream's max message size under a running changefeed) is found by
// splitting the failing batch in halves, parked with the server's reason,
// and never blocks the changes around it.
func TestMessageRejectedAloneIsParked(t *testing.T) {
	e, w := newEnvWriter(t, 812, 4)
	w.episode()
	cf := e.publishNew(changefeed.Options{})
	setStreamLimit(t, e.js, "MEMSYNC", func(c *jetstream.StreamConfig) { c.MaxMsgSize = 16 << 10 })
	small := w.episodes(5)
	big := w.g.Episode(0, nil)
	big.Steps = `["` + strings.Repeat("y", 30_000) + `"]`
	w.put(big)
	small = append(small, w.episodes(5)...)
	e.publishAll(cf)
	for _, ep := range small {
		subj, _ := protocol.EntitySubject("default", protocol.EntityEpisode, ep.ID)
		if _, err := e.stream().GetLastMsgForSubject(t.Context(), subj); err != nil {
			t.Fatalf("%s blocked by the rejected message: %v", ep.ID, err)
		}
	}
	dl := e.deadLetters()
	if len(dl) != 1 || !strings.Contains(dl[0].id, big.ID) || !strings.Contains(dl[0].reason, "maximum") {
		t.Fatalf("dead letters: %+v, want the big episode with the server's reason", dl)
	}
	if head, _ := e.db.Head(t.Context()); cf.Cursor() != head {
		t.Fatalf("cursor %d, head %d", cf.Cursor(), head)
	}
}

// Dead letters that cannot be published as they are (an id over the
// payload limit, a reason over the header limit, a deleted dead-letter
// stream) are made publishable or the stream re-created; and a dead letter
// the server refuses anyway is counted and logged, never blocking.
func TestUnpublishableDeadLetters(t *testing.T) {
	cases := []struct {
		name, sql string
		before    func(e *env)
		parked    int
	}{
		{"id over the payload limit", `INSERT INTO episodes (episode_id, task_type, task_description, context, start_time, steps, patterns, metadata, domain)
  VALUES (printf('%.*c', 2000000, 'i'), 't', 'd', '{}', 1, '[]', '[]', '{}', 'x')`, nil, 1},
		{"reason over the header limit", `INSERT INTO episodes (episode_id, task_type, task_description, context, start_time, steps, patterns, metadata, domain)
  VALUES (printf('%.*c', 70000, 'r'), 't', 'd', '{}', 'not a time', '[]', '[]', '{}', 'x')`, nil, 1},
		{"deleted dead-letter stream", `INSERT INTO episodes (episode_id, task_type, task_description, context, start_time, steps, patterns, metadata, domain)
  VALUES ('ep-bad-time', 't', 'd', '{}', 'yesterday', '[]', '[]', '{}', 'x')`,
			func(e *env) { mustDo(e.t, e.js.DeleteStream(e.t.Context(), "MEMSYNC_DLQ")) }, 1},
		{"refused even as a dead letter", `INSERT INTO episodes (episode_id, task_type, task_description, context, start_time, steps, patterns, metadata, domain)
  VALUES ('ep-bad-time', 't', 'd', '{}', 'yesterday', '[]', '[]', '{}', 'x')`,
			func(e *env) {
				setStreamLimit(e.t, e.js, "MEMSYNC_DLQ", func(c *jetstream.StreamConfig) { c.MaxMsgSize = 64 })
			}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			w := newWriter(t, e.db, 813, 4)
			w.episode()
			cf := e.changefeed(changefeed.Options{})
			e.publishAll(cf)
			if tc.before != nil {
				tc.before(e)
			}
			_, err := e.db.SQL().ExecContext(t.Context(), tc.sql)
			mustDo(t, err)
			after := w.episode()
			e.publishAll(cf)
			subj, _ := protocol.EntitySubject("default", protocol.EntityEpisode, after.ID)
			if _, err := e.stream().GetLastMsgForSubject(t.Context(), subj); err != nil {
				t.Fatalf("a later change was blocked: %v", err)
			}
			if dl := e.deadLetters(); len(dl) != tc.parked {
				t.Fatalf("%d dead letters, want %d: %+v", len(dl), tc.parked, dl)
			}
			if st := cf.Stats(); st.DeadLetters+st.DeadLettersLost != 1 || st.DeadLettersLost != uint64(1-tc.parked) {
				t.Fatalf("stats: %+v", st)
			}
		})
	}
}

func setStreamLimit(t *testing.T, js jetstream.JetStream, name string, change func(*jetstream.StreamConfig)) {
	t.Helper()
	s, err := js.Stream(t.Context(), name)
	mustDo(t, err)
	info, err := s.Info(t.Context())
	mustDo(t, err)
	cfg := info.Config
	change(&cfg)
	_, err = js.UpdateStream(t.Context(), cfg)
	mustDo(t, err)
}

func (e *env) stream() jetstream.Stream {
	e.t.Helper()
	s, err := e.js.Stream(e.t.Context(), "MEMSYNC")
	mustDo(e.t, err)
	return s
}

type parked struct{ subject, id, reason string }

// deadLetters lists the dead-letter stream (id: the body, which carries it).
func (e *env) deadLetters() []parked {
	e.t.Helper()
	s, err := e.js.Stream(e.t.Context(), "MEMSYNC_DLQ")
	mustDo(e.t, err)
	info, err := s.Info(e.t.Context())
	mustDo(e.t, err)
	var out []parked
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(e.t.Context(), seq)
		if err != nil {
			continue
		}
		out = append(out, parked{subject: m.Subject, id: string(m.Data), reason: m.Header.Get(protocol.HeaderError)})
	}
	return out
}

// sentBatches records every atomic batch the changefeed sends (accepted
// or not), as the server receives them: a core subscription sees each
// message with its Nats-Batch-Id.
type sentBatches struct {
	mu    sync.Mutex
	byID  map[string]*sentBatch
	order []string
}

type sentBatch struct{ msgs, bytes int }

func (e *env) watchBatches() *sentBatches {
	e.t.Helper()
	sb := &sentBatches{byID: map[string]*sentBatch{}}
	nc := e.js.Conn()
	sub, err := nc.Subscribe("memsync.default.>", func(m *nats.Msg) {
		id := m.Header.Get("Nats-Batch-Id")
		sb.mu.Lock()
		defer sb.mu.Unlock()
		b, ok := sb.byID[id]
		if !ok {
			b = &sentBatch{}
			sb.byID[id] = b
			sb.order = append(sb.order, id)
		}
		b.msgs++
		b.bytes += len(m.Subject) + len(m.Data) + headerBytes(m.Header)
	})
	mustDo(e.t, err)
	mustDo(e.t, nc.Flush())
	e.t.Cleanup(func() { _ = sub.Unsubscribe() })
	return sb
}

// all returns the batches seen so far, in the order they started.
func (sb *sentBatches) all() []sentBatch {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	var out []sentBatch
	for _, id := range sb.order {
		out = append(out, *sb.byID[id])
	}
	return out
}

func headerBytes(h nats.Header) int {
	n := 12
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}
