package integration

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/internal/supervisor"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

func (e *env) rebuildConfig(dir string, opts cachestore.Options) rebuild.Config {
	return rebuild.Config{Dir: dir, Options: opts, JS: e.js, DB: e.db, Worker: worker.Options{FetchWait: 20 * time.Millisecond, Logger: quiet()}}
}

// Both rebuild sources produce a consistent cache that keeps consuming
// from the right place; old caches are kept aside, at most KeepAside.
func TestRebuildFromTursoAndStream(t *testing.T) {
	e, w := newEnvWriter(t, 61, 8)
	for range 30 {
		w.embed("pattern", w.pattern().ID)
		w.episode()
	}
	cf := e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 10}
	dir := e.builtCache(opts)
	for i, source := range []string{"turso", "stream", "turso", "stream", "turso"} {
		w.episodes(3)
		e.publishAll(cf)
		res, err := rebuild.Run(t.Context(), e.rebuildConfig(dir, opts), source, "test")
		if err != nil {
			t.Fatalf("rebuild %d from %s: %v", i, source, err)
		}
		if res.Aside == "" {
			t.Fatalf("rebuild %d kept no old cache", i)
		}
		w.episodes(2) // changes after the rebuild are consumed from the right place
		e.publishAll(cf)
		c := e.caughtUp(dir, opts, worker.Options{})
		if r := e.validate(c); !r.Consistent || r.AppliedVersion != r.TursoHeadVersion {
			t.Fatalf("after rebuild %d from %s: %+v", i, source, r)
		}
		c.close(t)
	}
	aside, _ := filepath.Glob(dir + ".aside-*")
	if len(aside) != rebuild.KeepAside {
		t.Fatalf("%d old caches kept, want %d", len(aside), rebuild.KeepAside)
	}
}

// A rebuild from Turso reads only a snapshot: a cache far behind a long
// stream resumes right after the checkpoint it started from.
func TestTursoRebuildResumesAfterCheckpoint(t *testing.T) {
	e, w := newEnvWriter(t, 62, 4)
	w.episodes(40)
	cf := e.publishNew(changefeed.Options{BatchSize: 10})
	opts := cachestore.Options{MaxEpisodes: 5}
	dir := filepath.Join(t.TempDir(), "cache")
	if _, err := rebuild.FromTurso(t.Context(), e.rebuildConfig(dir, opts), "test"); err != nil {
		t.Fatal(err)
	}
	c := e.openCache(dir, opts, worker.Options{})
	if n := e.catchUp(c); n != 0 {
		t.Fatalf("a Turso-rebuilt cache at the head consumed %d messages, want 0", n)
	}
	e.mustConsistent(c)
	w.del("episodes", w.g.Episode(0, nil).ID) // unknown id: a no-op delete
	newest := w.episode()
	e.publishAll(cf)
	e.catchUp(c)
	e.mustConsistent(c)
	if _, ok := cachedEpisode(t, c, newest.ID); !ok {
		t.Fatal("change after the rebuild not applied")
	}
}

// Each corruption is detected when the worker starts and repaired by an
// automatic rebuild; the damaged directory is kept aside.
func TestCorruptionIsDetectedAndRepaired(t *testing.T) {
	for _, cc := range corruptions {
		t.Run(cc.name, func(t *testing.T) {
			e, w := newEnvWriter(t, 63, 384)
			w.episodes(60)
			e.publishNew(changefeed.Options{})
			opts := cachestore.Options{MaxEpisodes: 50}
			dir := e.builtCache(opts)
			cc.do(t, dir)
			if s, err := cachestore.Open(dir, &opts); err == nil {
				s.Close()
				t.Fatal("damaged cache opened without an error")
			}
			e.repairedBy(dir, opts, "corrupt", "damaged cache not kept aside")
		})
	}
}

// A stream deleted and recreated under a running worker is detected and the
// cache is rebuilt from Turso; a purged stream is refilled by the changefeed
// and the cache converges.
func TestStreamRecreatedOrPurgedRecovers(t *testing.T) {
	for _, mode := range []string{"recreated", "purged"} {
		t.Run(mode, func(t *testing.T) {
			e, w := newEnvWriter(t, 64, 4)
			w.episodes(20)
			e.publishNew(changefeed.Options{})
			opts := cachestore.Options{MaxEpisodes: 8}
			dir := e.builtCache(opts)
			s, _ := e.js.Stream(t.Context(), "MEMSYNC")
			if mode == "purged" {
				mustDo(t, s.Purge(t.Context()))
			} else {
				mustDo(t, e.js.DeleteStream(t.Context(), "MEMSYNC"))
			}
			w.del("episodes", w.episode().ID)
			w.episode()
			e.publishNew(changefeed.Options{})
			e.superviseUntilConsistent(e.rebuildConfig(dir, opts))
		})
	}
}

// A cache offline for longer than the stream keeps delete tombstones may
// have missed deletes: it is detected at start and rebuilt from Turso.
func TestTombstoneRetentionExceeded(t *testing.T) {
	e, w := newEnvWriter(t, 65, 4)
	eps := w.episodes(6)
	cf := e.publishNew(changefeed.Options{TombstoneTTL: time.Second})
	opts := cachestore.Options{MaxEpisodes: 0}
	dir := e.builtCache(opts)
	w.del("episodes", eps[2].ID)
	e.publishAll(cf)
	s, _ := e.js.Stream(t.Context(), "MEMSYNC")
	subj, _ := protocol.EntitySubject("default", protocol.EntityEpisode, eps[2].ID)
	eventually(t, 10*time.Second, "the delete tombstone to expire", func() bool {
		_, err := s.GetLastMsgForSubject(t.Context(), subj)
		return errors.Is(err, jetstream.ErrMsgNotFound)
	})
	time.Sleep(200 * time.Millisecond)
	c2 := e.openCache(dir, opts, worker.Options{})
	if _, err := c2.w.CatchUp(t.Context()); !errors.Is(err, worker.ErrTombstonesExpired) {
		t.Fatalf("offline past the tombstone TTL: %v", err)
	}
	c2.close(t)
	e.repairedBy(dir, opts, "tombstones", "no rebuild for expired tombstones")
}

// A divergence that only validation can see (a row changed in Turso with
// memsync's triggers disabled) is confirmed by a second pass and repaired
// by a rebuild from Turso while the worker runs.
func TestPeriodicValidationRepairsDivergence(t *testing.T) {
	e, w := newEnvWriter(t, 66, 4)
	last := w.episodes(5)[4]
	e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 3}
	dir := e.builtCache(opts)
	// A plain UPDATE with the update trigger dropped: Turso changes, the
	// change log does not (someone writing with triggers disabled).
	_, err := e.db.SQL().ExecContext(t.Context(), `DROP TRIGGER memsync_episodes_upd`)
	mustDo(t, err)
	_, err = e.db.SQL().ExecContext(t.Context(), `UPDATE episodes SET task_description = 'silent' WHERE episode_id = ?`, last.ID)
	mustDo(t, err)
	_, err = e.db.Install(t.Context()) // puts the trigger back
	mustDo(t, err)
	cfg := supervisor.Options{Config: e.rebuildConfig(dir, opts)}
	cfg.ValidateEvery = 100 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- supervisor.Supervise(ctx, &cfg, nil) }()
	eventually(t, 20*time.Second, "a rebuild for the divergence", func() bool {
		aside, _ := filepath.Glob(dir + ".aside-*diverged*")
		return len(aside) == 1
	})
	cancel()
	mustDo(t, <-done)
	c2 := e.openCache(dir, opts, worker.Options{})
	ep, _, err := c2.store.Episode(last.ID)
	if err != nil || ep.TaskDescription != "silent" {
		t.Fatalf("after repair: %+v %v", ep, err)
	}
	e.mustConsistent(c2)
}

// A backfill whose body is gone from the stream (here: purged by hand) is
// retried with backoff, then declared stuck, and the cache is rebuilt from
// Turso instead of blocking forever.
func TestStuckBackfillIsRebuiltFromTurso(t *testing.T) {
	e, w := newEnvWriter(t, 67, 4)
	older := w.episode()
	newer := w.episode()
	cf := e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 1}
	dir := e.builtCache(opts)
	e.purgeEntity(protocol.EntityEpisode, older.ID)
	w.del("episodes", newer.ID) // the window must now backfill the purged episode
	e.publishAll(cf)
	// INVARIANT 3: a batch that cannot be applied is never acknowledged and
	// the cache's position does not move.
	c := e.openCache(dir, opts, worker.Options{})
	before := c.store.State().Position
	if _, err := c.w.CatchUp(t.Context()); !errors.Is(err, worker.ErrStuck) {
		t.Fatalf("a batch missing its backfill body: %v", err)
	}
	if floor := e.ackFloor(worker.ConsumerName("default", "default")); floor > before || c.store.State().Position != before {
		t.Fatalf("unapplied batch acknowledged: ack floor %d, position %d -> %d", floor, before, c.store.State().Position)
	}
	c.close(t)
	e.repairedBy(dir, opts, "stuck", "no rebuild for the stuck batch")
}
