package integration

import (
	"path/filepath"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// The start most pipeline tests share: agents write to the database, a
// changefeed publishes the change log, a cache catches up with the stream
// (and is closed again when the test starts from a stopped worker).

// newEnvWriter is newEnv with the writer (seeded with seedV, vectors of dim
// floats) that plays the agents on its database.
func newEnvWriter(t *testing.T, seedV uint64, dim int) (*env, *writer) {
	t.Helper()
	e := newEnv(t)
	return e, newWriter(t, e.db, seedV, dim)
}

// publishNew publishes the whole change log with a new changefeed (what a
// started or restarted changefeed does) and returns that changefeed.
func (e *env) publishNew(o changefeed.Options) *changefeed.Changefeed {
	e.t.Helper()
	cf := e.changefeed(o)
	e.publishAll(cf)
	return cf
}

// caughtUp opens the cache at dir ("" for a new one) and catches it up
// with the stream.
func (e *env) caughtUp(dir string, o cachestore.Options, wo worker.Options) *cache {
	e.t.Helper()
	c := e.openCache(dir, o, wo)
	e.catchUp(c)
	return c
}

// builtCache builds a cache from everything published so far, closes it and
// returns its directory (the starting point of the recovery tests).
func (e *env) builtCache(opts cachestore.Options) string {
	e.t.Helper()
	dir := filepath.Join(e.t.TempDir(), "cache")
	e.caughtUp(dir, opts, worker.Options{}).close(e.t)
	return dir
}

// purgeEntity removes every message of one entity from the stream, as a
// stream that lost it would (a backfill then finds no body).
func (e *env) purgeEntity(kind protocol.Entity, id string) {
	e.t.Helper()
	s, err := e.js.Stream(e.t.Context(), "MEMSYNC")
	mustDo(e.t, err)
	subj, err := protocol.EntitySubject("default", kind, id)
	mustDo(e.t, err)
	mustDo(e.t, s.Purge(e.t.Context(), jetstream.WithPurgeSubject(subj)))
}
