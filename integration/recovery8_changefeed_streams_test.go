package integration

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/validate"
	"github.com/memsync/memsync/protocol"
)

// badRow is a malformed embedding (its vector has 2 floats for dimension 3).
const badRow = `INSERT INTO embeddings VALUES ('emb-bad-dim', 'x', 'episode', '[1,2]', NULL, 3, 'm', 1)`

// Issue 8, item 5. Streams deleted under a running changefeed and a running
// supervised worker: the changefeed re-creates them (also when no change
// arrives), re-publishes, parks a later bad row in the re-created
// dead-letter stream, and the worker rebuilds and converges. No restart.
func TestRunningChangefeedRecreatesDeletedStreams(t *testing.T) {
	cases := map[string]func(t *testing.T, e *env, w *writer){
		"idle": func(t *testing.T, e *env, w *writer) {
			mustDo(t, e.js.DeleteStream(t.Context(), "MEMSYNC"))
			eventually(t, 20*time.Second, "the idle changefeed to re-create and refill the stream", func() bool { return e.streamMatchesTurso() == nil })
		},
		"with changes": func(t *testing.T, e *env, w *writer) {
			deleteStreamsThenWriteBadRow(t, e, w)
			eventually(t, 20*time.Second, "both streams re-created and the bad row parked", func() bool {
				return e.streamMatchesTurso("emb-bad-dim") == nil && e.dlqHolds("emb-bad-dim")
			})
		},
	}
	for name, deleteStreams := range cases {
		t.Run(name, func(t *testing.T) {
			e, w := newEnvWriter(t, 821, 4)
			w.episodes(10)
			stop := inBackground(e.changefeed(fast()).Run)
			defer stop()
			sup := e.supervise(e.rebuildConfig(filepath.Join(t.TempDir(), "cache"), cachestore.Options{MaxEpisodes: 5}))
			defer sup.mustStop()
			sup.waitConsistent("the supervised cache consistent at the Turso head")
			deleteStreams(t, e, w)
			sup.waitConsistent("the supervised cache consistent at the Turso head")
		})
	}
}

// The same with the real processes: `memsync run` against an external
// NATS server keeps running while both streams are deleted.
func TestRunningProcessRecreatesDeletedStreams(t *testing.T) {
	e, w := newEnvWriter(t, 822, 4)
	w.episodes(10)
	natsFlag := "--nats=" + e.nats.ClientURL()
	startMemsync(t, "run", "--data-dir="+t.TempDir(), "--turso=file:"+e.path, natsFlag, "--poll-interval=20ms", "--max-episodes=5")
	waitValidated(t, e, natsFlag)
	deleteStreamsThenWriteBadRow(t, e, w)
	eventually(t, 30*time.Second, "the bad row parked in the re-created dead-letter stream", func() bool { return e.dlqHolds("emb-bad-dim") })
	waitValidated(t, e, natsFlag)
}

// deleteStreamsThenWriteBadRow deletes both streams, then writes three
// episodes, the bad row and one more episode.
func deleteStreamsThenWriteBadRow(t *testing.T, e *env, w *writer) {
	t.Helper()
	mustDo(t, e.js.DeleteStream(t.Context(), "MEMSYNC"))
	mustDo(t, e.js.DeleteStream(t.Context(), "MEMSYNC_DLQ"))
	w.episodes(3)
	_, err := e.db.SQL().ExecContext(t.Context(), badRow)
	mustDo(t, err)
	w.episode()
}

// waitValidated waits until the running worker validates consistent at the
// Turso head (asked through sync.trigger: the worker holds its cache).
func waitValidated(t *testing.T, e *env, natsFlag string) {
	t.Helper()
	eventually(t, 60*time.Second, "the running worker consistent at the Turso head", func() bool {
		out := memsync(t, nil, "trigger", natsFlag, "--mode=validate", "--target=default", "--expect=1", "--timeout=5s")
		var rep protocol.TriggerReply
		if out.code != 0 || json.Unmarshal([]byte(strings.TrimSpace(out.stdout)), &rep) != nil || !rep.OK {
			return false
		}
		var r validate.Report
		head, err := e.db.Head(t.Context())
		return json.Unmarshal(rep.Result, &r) == nil && err == nil && r.Consistent && r.AppliedVersion == head
	})
}

func (e *env) dlqHolds(id string) bool {
	s, err := e.js.Stream(e.t.Context(), "MEMSYNC_DLQ")
	if err != nil {
		return false
	}
	subj := protocol.DLQSubject("default", protocol.EntityEmbedding, id)
	_, err = s.GetLastMsgForSubject(e.t.Context(), subj)
	return err == nil
}
