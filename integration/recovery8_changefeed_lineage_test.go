package integration

import (
	"testing"
	"time"

	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
)

// Issue 8, item 1 (changefeed side). A database replaced at the same path
// (a new lineage) is re-published into the stream, and nothing of the old
// database survives there: a worker rebuilding from the stream, or
// backfilling from it, must never see an entity the new database lacks.
func TestReplacedDatabaseReplacesTheStreamContent(t *testing.T) {
	e := newEnv(t)
	mustDo(t, seed.Seed(t.Context(), e.db.SQL(), seed.Options{Episodes: 30, Patterns: 3, EmbeddingDim: 4, Seed: 1}))
	e.publishNew(changefeed.Options{})
	old := e.lineage()

	e.reopen(func(path string) { removeDB(t, path) })
	mustDo(t, seed.Seed(t.Context(), e.db.SQL(), seed.Options{Episodes: 12, Patterns: 2, EmbeddingDim: 4, Seed: 2}))
	e.publishNew(changefeed.Options{}) // the restarted changefeed
	if l := e.lineage(); l == old {
		t.Fatalf("the new database kept lineage %s", l)
	}
	mustDo(t, e.streamMatchesTurso())
	mustDo(t, e.streamHoldsOnly(e.lineage()))
}

// Issue 8, item 1b. A database restored to an earlier point keeps its
// lineage but its head falls below the stream's cursor; the writes made
// after the restore reuse change_ids the stream already covers. The
// changefeed detects it, starts a new lineage (a new history) and
// re-publishes, so every new write reaches the stream and nothing of the
// lost history stays there.
func TestRestoredDatabaseBelowCursorIsRepublished(t *testing.T) {
	e, w := newEnvWriter(t, 801, 4)
	w.episodes(10)
	e.publishNew(changefeed.Options{})
	backup := t.TempDir()
	e.reopen(func(path string) { backupFiles(t, path, backup) })
	newWriter(t, e.db, 802, 4).episodes(6) // published, then lost by the restore
	before := e.publishNew(changefeed.Options{}).Cursor()

	e.reopen(func(path string) { restoreFiles(t, path, backup) })
	newWriter(t, e.db, 803, 4).episodes(3) // change_ids 21..26, at or below the stream's cursor 32
	if head, _ := e.db.Head(t.Context()); head >= before {
		t.Fatalf("test setup: restored head %d is not below the cursor %d", head, before)
	}
	e.publishNew(changefeed.Options{})
	mustDo(t, e.streamMatchesTurso())
	mustDo(t, e.streamHoldsOnly(e.lineage()))
}

// The same two events under a running changefeed (no restart). A libSQL
// file cannot be swapped under an open connection pool, so the database's
// new state is produced in place with SQL, which is what a live connection
// to a replaced or restored remote database observes.
func TestRunningChangefeedFollowsReplacedAndRestoredDatabase(t *testing.T) {
	t.Run("replaced", func(t *testing.T) {
		e := newEnv(t)
		mustDo(t, seed.Seed(t.Context(), e.db.SQL(), seed.Options{Episodes: 20, Patterns: 2, EmbeddingDim: 4, Seed: 3}))
		stop := inBackground(e.changefeed(fast()).Run)
		defer stop()
		eventually(t, 20*time.Second, "the first database published", func() bool { return e.streamMatchesTurso() == nil })
		old := e.lineage()
		replaceInPlace(t, e)
		mustDo(t, seed.Seed(t.Context(), e.db.SQL(), seed.Options{Episodes: 7, Patterns: 1, EmbeddingDim: 4, Seed: 4}))
		eventually(t, 20*time.Second, "the replacing database published alone", func() bool {
			l, err := e.db.Lineage(t.Context())
			return err == nil && l != old && e.streamMatchesTurso() == nil && e.streamHoldsOnly(l) == nil
		})
	})
	t.Run("restored", func(t *testing.T) {
		e, w := newEnvWriter(t, 804, 4)
		w.episodes(10)
		stop := inBackground(e.changefeed(fast()).Run)
		defer stop()
		eventually(t, 20*time.Second, "the first writes published", func() bool { return e.streamMatchesTurso() == nil })
		head, err := e.db.Head(t.Context())
		mustDo(t, err)
		w.episodes(5)
		eventually(t, 20*time.Second, "the writes to be lost published", func() bool { return e.streamMatchesTurso() == nil })
		rollBackInPlace(t, e, head)
		newWriter(t, e.db, 805, 4).episodes(2)
		eventually(t, 20*time.Second, "the writes after the restore published, the lost ones gone", func() bool {
			return e.streamMatchesTurso() == nil && e.streamHoldsOnly(e.lineage()) == nil
		})
	})
}

// replaceInPlace turns the database into a different one that has never
// seen memsync (its objects and rows gone, the synced tables empty).
func replaceInPlace(t *testing.T, e *env) {
	t.Helper()
	stmts := []string{"BEGIN IMMEDIATE"}
	for _, tb := range []string{"episodes", "patterns", "embeddings"} {
		for _, op := range []string{"ins", "upd", "del"} {
			stmts = append(stmts, "DROP TRIGGER IF EXISTS memsync_"+tb+"_"+op)
		}
		stmts = append(stmts, "DELETE FROM "+tb)
	}
	stmts = append(stmts, "DROP TABLE memsync_changelog", "DROP TABLE memsync_meta", "COMMIT")
	execAll(t, e, stmts)
}

// rollBackInPlace returns the database to the state it had at change-log
// head `head`: the rows written since are removed, and so are their
// change-log rows and the AUTOINCREMENT high-water mark.
func rollBackInPlace(t *testing.T, e *env, head uint64) {
	t.Helper()
	h := itoa(head)
	execAll(t, e, []string{"BEGIN IMMEDIATE",
		`DELETE FROM embeddings WHERE embedding_id IN (SELECT entity_id FROM memsync_changelog WHERE entity = 'embedding' AND change_id > ` + h + `)`,
		`DELETE FROM episodes WHERE episode_id IN (SELECT entity_id FROM memsync_changelog WHERE entity = 'episode' AND change_id > ` + h + `)`,
		`DELETE FROM memsync_changelog WHERE change_id > ` + h,
		`UPDATE sqlite_sequence SET seq = ` + h + ` WHERE name = 'memsync_changelog'`,
		"COMMIT"})
}

func execAll(t *testing.T, e *env, stmts []string) {
	t.Helper()
	c, err := e.db.SQL().Conn(t.Context())
	mustDo(t, err)
	defer c.Close()
	for _, q := range stmts {
		if _, err := c.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
