package integration

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
)

// The stream is deleted while the worker runs (no restart): the worker
// notices, waits for the stream to come back (the changefeed re-creates it
// and re-snapshots), rebuilds and converges on Turso.
func TestRecovery8StreamDeletedWhileWorkerRuns(t *testing.T) {
	for _, source := range []string{"turso", "stream"} {
		t.Run(source, func(t *testing.T) {
			e, w := newEnvWriter(t, 85, 4)
			first := w.episodes(12)
			e.publishNew(changefeed.Options{})
			opts := cachestore.Options{MaxEpisodes: 8}
			dir := filepath.Join(t.TempDir(), "cache")
			cfg := e.rebuildConfig(dir, opts)
			if source == "stream" {
				cfg.DB = nil
			}
			sv := e.supervise(cfg)
			sv.waitConsistent("the first sync")
			mustDo(t, e.js.DeleteStream(t.Context(), "MEMSYNC"))
			w.del("episodes", first[11].ID) // an in-window delete the new stream never carries
			w.episode()
			// Stands in for the running changefeed re-creating the stream
			// (its side of issue 8, item 5).
			e.publishNew(changefeed.Options{})
			sv.waitConsistent("the rebuilt cache")
			aside, _ := filepath.Glob(dir + ".aside-*")
			if len(aside) != 1 || !strings.Contains(aside[0], "stream-replaced") {
				t.Fatalf("no rebuild for the recreated stream: %v", aside)
			}
			mustDo(t, sv.stop())
		})
	}
}

// The reproduction with real processes: the stream is deleted while
// `memsync changefeed` and `memsync worker` keep running (neither is
// restarted). The changefeed re-creates the stream and re-snapshots (its
// side of item 5); the worker rebuilds, and the cache validates consistent.
func TestRecovery8StreamDeletedUnderRunningProcesses(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "memory.db")
	n := testenv.StartNATS(t)
	_, js := n.Connect(t)
	db := testenv.TursoAt(t, dbPath)
	mustDo(t, seed.Seed(t.Context(), db.SQL(), seed.Options{Episodes: 80, Patterns: 3, EmbeddingDim: 16, Seed: 9}))
	flags := []string{"--data-dir=" + dir, "--nats=" + n.ClientURL(), "--log-format=json"}
	startMemsync(t, append([]string{"changefeed", "--poll-interval=20ms"}, flags...)...)
	wk, _ := startMemsync(t, append([]string{"worker", "--turso=file:" + dbPath, "--max-episodes=20"}, flags...)...)
	waitConsumerDone(t, js, db)
	mustDo(t, js.DeleteStream(t.Context(), "MEMSYNC"))
	recent, err := db.RecentEpisodeIDs(t.Context(), 1)
	mustDo(t, err)
	w := newWriter(t, db, 88, 16)
	w.del("episodes", recent[0]) // an in-window delete the new stream never carries
	w.episode()
	waitConsumerDone(t, js, db)
	mustDo(t, wk.Process.Signal(syscall.SIGTERM))
	stopped := make(chan error, 1)
	go func() { stopped <- wk.Wait() }()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not stop on SIGTERM")
	}
	memsync(t, nil, "validate", "--data-dir="+dir, "--max-episodes=20").want(t, 0)
	if aside, _ := filepath.Glob(filepath.Join(dir, "cache", "default.aside-*stream-replaced*")); len(aside) != 1 {
		t.Fatalf("no rebuild for the recreated stream: %v", aside)
	}
}
