package integration

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/validate"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
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
			mustDo(t, e.js.DeleteStream(t.Context(), "MEMSYNC"))
			mustDo(t, e.js.DeleteStream(t.Context(), "MEMSYNC_DLQ"))
			for range 3 {
				w.episode()
			}
			_, err := e.db.SQL().ExecContext(t.Context(), badRow)
			mustDo(t, err)
			w.episode()
			eventually(t, 20*time.Second, "both streams re-created and the bad row parked", func() bool {
				return e.streamMatchesTurso("emb-bad-dim") == nil && e.dlqHolds("emb-bad-dim")
			})
		},
	}
	for name, deleteStreams := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			w := newWriter(t, e.db, 821, 4)
			for range 10 {
				w.episode()
			}
			stop := e.runChangefeed(e.changefeed(fast()))
			defer stop()
			sup := e.startSupervised(filepath.Join(t.TempDir(), "cache"), cachestore.Options{MaxEpisodes: 5})
			defer sup.stop()
			sup.waitConsistent()
			deleteStreams(t, e, w)
			sup.waitConsistent()
		})
	}
}

// The same with the real processes: `memsync run` against an external
// NATS server keeps running while both streams are deleted.
func TestRunningProcessRecreatesDeletedStreams(t *testing.T) {
	e := newEnv(t)
	w := newWriter(t, e.db, 822, 4)
	for range 10 {
		w.episode()
	}
	natsFlag := "--nats=" + e.nats.ClientURL()
	startMemsync(t, "run", "--data-dir="+t.TempDir(), "--turso=file:"+e.path, natsFlag, "--poll-interval=20ms", "--max-episodes=5")
	waitValidated(t, e, natsFlag)
	mustDo(t, e.js.DeleteStream(t.Context(), "MEMSYNC"))
	mustDo(t, e.js.DeleteStream(t.Context(), "MEMSYNC_DLQ"))
	for range 3 {
		w.episode()
	}
	_, err := e.db.SQL().ExecContext(t.Context(), badRow)
	mustDo(t, err)
	w.episode()
	eventually(t, 30*time.Second, "the bad row parked in the re-created dead-letter stream", func() bool { return e.dlqHolds("emb-bad-dim") })
	waitValidated(t, e, natsFlag)
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

// cfWorker is a supervised worker running in the background.
type cfWorker struct {
	e      *env
	stores chan *cachestore.Store
	store  *cachestore.Store
	stop   func()
}

func (e *env) startSupervised(dir string, opts cachestore.Options) *cfWorker {
	ctx, cancel := context.WithCancel(context.Background())
	s := &cfWorker{e: e, stores: make(chan *cachestore.Store, 16)}
	errc := make(chan error, 1)
	go func() {
		errc <- rebuild.Supervise(ctx, e.rebuildConfig(dir, opts), func(st *cachestore.Store, _ *worker.Worker) { s.stores <- st })
	}()
	s.stop = func() {
		cancel()
		if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
			e.t.Errorf("supervise: %v", err)
		}
	}
	return s
}

// waitConsistent waits until the supervised cache validates consistent at
// the Turso head.
func (s *cfWorker) waitConsistent() {
	s.e.t.Helper()
	eventually(s.e.t, 30*time.Second, "the supervised cache consistent at the Turso head", func() bool {
		for drained := false; !drained; {
			select {
			case s.store = <-s.stores:
			default:
				drained = true
			}
		}
		if s.store == nil {
			return false
		}
		r, err := validate.Run(s.e.t.Context(), s.e.db, s.store, nil)
		return err == nil && r.Consistent && r.AppliedVersion == r.TursoHeadVersion
	})
}
