package integration

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/synadia-io/orbit.go/jetstreamext"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// publishRaw writes a message straight into the stream, as a foreign or
// broken publisher would.
func (e *env) publishRaw(subj string, body []byte) {
	e.t.Helper()
	_, err := e.js.PublishMsg(e.t.Context(), &nats.Msg{Subject: subj, Data: body, Header: nats.Header{}})
	mustDo(e.t, err)
}

func (e *env) ackFloor(name string) uint64 {
	e.t.Helper()
	s, err := e.js.Stream(e.t.Context(), "MEMSYNC")
	mustDo(e.t, err)
	cons, err := s.Consumer(e.t.Context(), name)
	mustDo(e.t, err)
	info, err := cons.Info(e.t.Context())
	mustDo(e.t, err)
	return info.AckFloor.Stream
}

func (e *env) dlqCount() uint64 {
	e.t.Helper()
	s, err := e.js.Stream(e.t.Context(), "MEMSYNC_DLQ")
	mustDo(e.t, err)
	info, err := s.Info(e.t.Context())
	mustDo(e.t, err)
	return info.State.Msgs
}

// INVARIANT 3.1 with a poison message in the middle of a batch that cannot
// be applied (its backfill body is gone): the poison message is parked, but
// nothing of the batch is acknowledged, not even by terminating the poison
// message (under AckAll that would move the ack floor over the messages
// before it).
func TestRecovery8PoisonTerminatedOnlyAfterCommit(t *testing.T) {
	e, w := newEnvWriter(t, 87, 4)
	older := w.episode()
	newer := w.episode()
	cf := e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 1}
	dir := e.builtCache(opts)
	e.purgeEntity(protocol.EntityEpisode, older.ID)
	w.pattern() // messages of the batch before the poison one
	e.publishAll(cf)
	e.publishRaw("memsync.default.episode.poison", []byte("{garbage"))
	w.del("episodes", newer.ID) // after it: a delete whose backfill cannot be found
	e.publishAll(cf)

	c := e.openCache(dir, opts, worker.Options{})
	before := c.store.State().Position
	if _, err := c.w.CatchUp(t.Context()); !errors.Is(err, worker.ErrStuck) {
		t.Fatalf("a batch missing its backfill body: %v", err)
	}
	if floor := e.ackFloor(worker.ConsumerName("default", "default")); floor > before {
		t.Fatalf("ack floor moved to %d before the batch after %d was committed", floor, before)
	}
	if got := c.store.State().Position; got != before {
		t.Fatalf("position moved %d -> %d", before, got)
	}
	if n := e.dlqCount(); n != 1 {
		t.Fatalf("%d dead letters, want the poison message once", n)
	}
	c.close(t)
	e.superviseUntilConsistent(e.rebuildConfig(dir, opts))
}

// A backfill body that cannot be decoded (the newest message of the entity
// the window needs is malformed) does not hold the batch forever: it counts
// toward ErrStuck and the supervisor rebuilds the cache from Turso.
func TestRecovery8UndecodableBackfillBody(t *testing.T) {
	e, w := newEnvWriter(t, 86, 4)
	older := w.episode()
	newer := w.episode()
	cf := e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 1}
	dir := e.builtCache(opts)
	lineage, err := e.db.Lineage(t.Context())
	mustDo(t, err)
	// A well-formed envelope whose episode row lacks start_time: it decodes,
	// but cachestore's Prepare rejects it.
	body, err := json.Marshal(protocol.Envelope{Schema: protocol.SchemaVersion, Entity: protocol.EntityEpisode,
		Op: protocol.OpUpsert, ID: older.ID, Version: 1 << 40, Lineage: lineage, Data: json.RawMessage(`{"episode_id":"` + older.ID + `"}`)})
	mustDo(t, err)
	subj, _ := protocol.EntitySubject("default", protocol.EntityEpisode, older.ID)
	e.publishRaw(subj, body)
	w.del("episodes", newer.ID) // the window must now backfill the malformed one
	e.publishAll(cf)

	c := e.openCache(dir, opts, worker.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := c.w.CatchUp(ctx); !errors.Is(err, worker.ErrStuck) {
		t.Fatalf("a batch whose backfill body is malformed: %v, want ErrStuck", err)
	}
	c.close(t)
	e.repairedBy(dir, opts, "stuck", "no rebuild for the undecodable backfill")
}

// A poison message that arrived in an atomic batch is parked: the Nats-*
// headers the server stored with it (batch id and sequence, commit) are
// not replayed into the dead-letter stream, which allows no atomic batches.
func TestRecovery8PoisonFromAtomicBatchIsParked(t *testing.T) {
	e, w := newEnvWriter(t, 88, 4)
	w.episode()
	cf := e.publishNew(changefeed.Options{})
	poisoned := nats.NewMsg("memsync.default.episode.poison")
	poisoned.Data = []byte("{garbage")
	_, err := jetstreamext.PublishMsgBatch(t.Context(), e.js, []*nats.Msg{poisoned})
	mustDo(t, err)
	after := w.episode()
	e.publishAll(cf)
	c := e.caughtUp("", cachestore.Options{MaxEpisodes: 0}, worker.Options{})
	if ok, _ := c.store.IsCached(protocol.EntityEpisode, after.ID); !ok {
		t.Fatal("a later change was blocked by the poison message")
	}
	if n := e.dlqCount(); n != 1 || c.w.Stats().DeadLetters != 1 {
		t.Fatalf("dead letters: stream %d, worker %d; want the poison message once", n, c.w.Stats().DeadLetters)
	}
}
