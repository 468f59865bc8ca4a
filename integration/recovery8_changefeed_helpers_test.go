package integration

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/protocol"
)

// Helpers of the issue 8 changefeed tests (replaced, restored and lost
// databases and streams; batches that cannot publish).

// retained returns every message the MEMSYNC stream still holds for the
// database "default" (entity messages and the checkpoint), oldest first.
func (e *env) retained() []*jetstream.RawStreamMsg {
	e.t.Helper()
	ctx := e.t.Context()
	s, err := e.js.Stream(ctx, "MEMSYNC")
	mustDo(e.t, err)
	info, err := s.Info(ctx)
	mustDo(e.t, err)
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		mustDo(e.t, err)
		out = append(out, m)
	}
	return out
}

// streamHoldsOnly checks that every message the stream retains for the
// database carries lineage (no entity of another history survives).
func (e *env) streamHoldsOnly(lineage string) error {
	for _, m := range e.retained() {
		if got := m.Header.Get(protocol.HeaderLineage); got != lineage {
			return fmt.Errorf("stream retains %s (seq %d) of lineage %q, the database's lineage is %q", m.Subject, m.Sequence, got, lineage)
		}
	}
	return nil
}

// streamMatchesTurso is checkStreamMatchesTurso as an error (for polling):
// every entity with a row in Turso has its newest change as the retained
// message on its subject (but the ids skipped: parked rows).
func (e *env) streamMatchesTurso(skip ...string) error {
	ctx := e.t.Context()
	s, err := e.js.Stream(ctx, "MEMSYNC")
	if err != nil {
		return err
	}
	rows, err := e.db.SQL().QueryContext(ctx, `SELECT CAST(entity AS BLOB), CAST(entity_id AS BLOB), MAX(change_id) FROM memsync_changelog GROUP BY entity, entity_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var ent, id []byte
		var v uint64
		if err := rows.Scan(&ent, &id, &v); err != nil {
			return err
		}
		if slices.Contains(skip, string(id)) {
			continue
		}
		subj, _ := protocol.EntitySubject("default", protocol.Entity(ent), string(id))
		m, err := s.GetLastMsgForSubject(ctx, subj)
		if err != nil {
			return fmt.Errorf("hole: %s %s v%d has no message: %v", ent, id, v, err)
		}
		if got := m.Header.Get(protocol.HeaderVersion); got != strconv.FormatUint(v, 10) {
			return fmt.Errorf("stale latest: %s carries v%s, Turso's newest change is v%d", subj, got, v)
		}
		n++
	}
	if n == 0 {
		return errors.New("no change in Turso to compare")
	}
	return rows.Err()
}

func (e *env) lineage() string {
	e.t.Helper()
	l, err := e.db.Lineage(e.t.Context())
	mustDo(e.t, err)
	return l
}

// dbFiles are the files of a libSQL database (WAL mode).
func dbFiles(path string) []string { return []string{path, path + "-wal", path + "-shm"} }

// reopen closes the database, lets change alter its files, and opens it
// again at the same path: what an operator does when replacing or
// restoring a database between two runs.
func (e *env) reopen(change func(path string)) {
	e.t.Helper()
	mustDo(e.t, e.db.Close())
	change(e.path)
	e.db = testenv.TursoAt(e.t, e.path)
}

// backupFiles copies the (closed) database's files to dir.
func backupFiles(t *testing.T, path, dir string) {
	t.Helper()
	for _, f := range dbFiles(path) {
		copyFile(t, f, filepath.Join(dir, filepath.Base(f)))
	}
}

// restoreFiles replaces the database's files with the backup in dir.
func restoreFiles(t *testing.T, path, dir string) {
	t.Helper()
	removeDB(t, path)
	for _, f := range dbFiles(path) {
		copyFile(t, filepath.Join(dir, filepath.Base(f)), f)
	}
}

func removeDB(t *testing.T, path string) {
	t.Helper()
	for _, f := range dbFiles(path) {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	mustDo(t, err)
	defer src.Close()
	dst, err := os.Create(to)
	mustDo(t, err)
	_, err = io.Copy(dst, src)
	mustDo(t, err)
	mustDo(t, dst.Close())
}
