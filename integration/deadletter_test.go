package integration

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// Malformed Turso rows of every kind are parked in the dead-letter stream
// with the reason and never block later changes; a poison stream message
// is parked by the worker the same way. `memsync dlq list` shows them,
// `status` counts them, and `dlq retry` re-publishes a fixed row.
func TestDeadLetters(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t)
	e.path = dir + "/memory.db"
	e.db = testenv.TursoAt(t, e.path)
	w := newWriter(t, e.db, 71, 4)
	w.episode()
	bad := map[string]string{
		"vector length": `INSERT INTO embeddings VALUES ('emb-bad-dim', 'x', 'episode', '[1,2]', NULL, 3, 'm', 1)`,
		"owner kind":    `INSERT INTO embeddings VALUES ('emb-bad-owner', 'x', 'widget', '[1]', NULL, 1, 'm', 1)`,
		"integer":       `INSERT INTO episodes (episode_id, task_type, task_description, context, start_time, steps, patterns, metadata, domain) VALUES ('ep-bad-time', 't', 'd', '{}', 'yesterday', '[]', '[]', '{}', 'x')`,
		"too large":     `INSERT INTO episodes (episode_id, task_type, task_description, context, start_time, steps, patterns, metadata, domain) VALUES ('ep-huge', 't', 'd', '{}', 5, printf('%.*c', 2000000, 'x'), '[]', '{}', 'x')`,
		"invalid json":  `INSERT INTO episodes (episode_id, task_type, task_description, context, start_time, steps, patterns, metadata, domain) VALUES ('ep-odd-json', 't', 'd', '{not json', 6, '[', '[]', '{}', 'x')`,
	}
	for name, q := range bad {
		if _, err := e.db.SQL().ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	good := w.episode()
	cf := e.changefeed(changefeed.Options{})
	e.publishAll(cf)
	if got := cf.Stats().DeadLetters; got != 4 {
		t.Fatalf("changefeed parked %d rows, want 4 (invalid JSON text is mirrored, not parked)", got)
	}
	// A poison message straight into the stream.
	_, err := e.js.PublishMsg(t.Context(), &nats.Msg{Subject: "memsync.default.episode.poison", Data: []byte("{garbage"), Header: nats.Header{}})
	mustDo(t, err)
	after := w.episode()
	e.publishAll(cf)
	c := e.caughtUp("", cachestore.Options{MaxEpisodes: 0}, worker.Options{})
	for _, id := range []string{good.ID, after.ID, "ep-odd-json"} {
		if ok, _ := c.store.IsCached(protocol.EntityEpisode, id); !ok {
			t.Fatalf("%s blocked by dead letters", id)
		}
	}
	if c.w.Stats().DeadLetters != 1 {
		t.Fatalf("worker parked %d messages, want the poison one", c.w.Stats().DeadLetters)
	}
	c.close(t)

	natsFlag := "--nats=" + e.nats.ClientURL()
	list := memsync(t, nil, "dlq", "list", natsFlag).want(t, 0)
	lines := strings.Split(strings.TrimSpace(list.stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("dlq list: %d lines, want 5:\n%s", len(lines), list.stdout)
	}
	var huge struct {
		Seq   uint64 `json:"seq"`
		Error string `json:"error"`
	}
	for _, l := range lines {
		if strings.Contains(l, "ep-huge") {
			mustDo(t, json.Unmarshal([]byte(l), &huge))
		}
		if !strings.Contains(l, `"error":"`) {
			t.Fatalf("dead letter without a reason: %s", l)
		}
	}
	if !strings.Contains(huge.Error, "max payload") {
		t.Fatalf("oversized row reason: %q", huge.Error)
	}
	st := statusJSON(t, "--data-dir="+dir, "--cache="+c.dir, "--max-episodes=0", "--turso=file:"+e.path, natsFlag)
	if st["dead_letters"].(float64) != 5 {
		t.Fatalf("status dead_letters: %v", st["dead_letters"])
	}
	// The operator fixes the row and retries its dead letter.
	_, err = e.db.SQL().ExecContext(t.Context(), `UPDATE episodes SET steps = '[]' WHERE episode_id = 'ep-huge'`)
	mustDo(t, err)
	memsync(t, nil, "dlq", "retry", natsFlag, "--turso=file:"+e.path, "--seq="+itoa(huge.Seq)).want(t, 0)
	if l := memsync(t, nil, "dlq", "list", natsFlag).want(t, 0); strings.Contains(l.stdout, "ep-huge") || strings.Count(l.stdout, "\n") != 4 {
		t.Fatalf("retried dead letter still listed:\n%s", l.stdout)
	}
	e.publishAll(cf)
	c2 := e.caughtUp(c.dir, cachestore.Options{MaxEpisodes: 0}, worker.Options{})
	if ok, _ := c2.store.IsCached(protocol.EntityEpisode, "ep-huge"); !ok {
		t.Fatal("retried row not synced")
	}
}

// A database written by a foreign schema that lets an id be NULL: the
// agent's write still succeeds (the capture trigger never fails it) and the
// change is dead-lettered with the reason.
func TestNullIDIsParkedNotFatal(t *testing.T) {
	e := newEnv(t)
	path := e.path + ".foreign"
	db := testenv.OpenTurso(t, path)
	_, err := db.SQL().ExecContext(t.Context(), `CREATE TABLE episodes (episode_id TEXT PRIMARY KEY, task_type TEXT NOT NULL,
    task_description TEXT NOT NULL, context TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER,
    steps TEXT NOT NULL, outcome TEXT, reward TEXT, reflection TEXT, patterns TEXT NOT NULL, heuristics TEXT NOT NULL DEFAULT '[]',
    checkpoints TEXT NOT NULL DEFAULT '[]', metadata TEXT NOT NULL, domain TEXT NOT NULL, language TEXT,
    created_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')), archived_at INTEGER)`)
	mustDo(t, err)
	e.db = db
	cf := e.changefeed(changefeed.Options{})
	e.publishAll(cf) // installs memsync's triggers
	_, err = db.SQL().ExecContext(t.Context(), `INSERT INTO episodes (episode_id, task_type, task_description, context, start_time, steps, patterns, metadata, domain)
  VALUES (NULL, 't', 'd', '{}', 1, '[]', '[]', '{}', 'x')`)
	if err != nil {
		t.Fatalf("memsync's trigger made an agent's write fail: %v", err)
	}
	w := newWriter(t, db, 72, 4)
	good := w.episode()
	e.publishAll(cf)
	if cf.Stats().DeadLetters != 1 {
		t.Fatalf("NULL id not parked: %+v", cf.Stats())
	}
	c := e.caughtUp("", cachestore.Options{MaxEpisodes: 0}, worker.Options{})
	if ok, _ := c.store.IsCached(protocol.EntityEpisode, good.ID); !ok {
		t.Fatal("a later change was blocked by the NULL-id row")
	}
}
