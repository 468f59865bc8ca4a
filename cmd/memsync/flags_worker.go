package main

import (
	"log/slog"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/ops"
	"github.com/memsync/memsync/worker"
)

// workerFlags configure the worker that applies the stream to a cache:
// --batch-size, --stale-versions, --stale-after.
type workerFlags struct {
	batchSize     int
	staleVersions uint64
	staleAfter    time.Duration
}

func (w *workerFlags) register(cl *commandLine) {
	cl.fs.IntVar(&w.batchSize, "batch-size", 256, "messages per fetch and Pebble batch")
	cl.fs.Uint64Var(&w.staleVersions, "stale-versions", 1000, "flag the cache stale when Turso is this many versions ahead")
	cl.fs.DurationVar(&w.staleAfter, "stale-after", 30*time.Second, "flag the cache stale when behind (or without heartbeats) for this long")
}

// workerHost is the command line of a command that runs a worker on its
// cache (run, worker, rebuild): where the changes come from (Turso, NATS
// and the stream names), the cache, the worker and its supervisor. The
// stream names and the supervisor's flags are embedded: the supervisor
// lines of cmd_pipeline.go read them as c.triggerSubj, c.validateEvery.
type workerHost struct {
	*commandLine
	turso  tursoFlags
	nats   natsFlags
	cache  cacheFlags
	worker workerFlags
	memory memoryFlags
	streamFlags
	supervisorFlags
}

func newWorkerHost(name string) *workerHost {
	h := &workerHost{commandLine: newCommandLine(name)}
	h.use(&h.turso, &h.nats, &h.streamFlags, &h.cache, &h.worker, &h.supervisorFlags, &h.memory)
	return h
}

// cachePath is the directory of the cache the worker holds.
func (c *workerHost) cachePath() string { return c.cache.path() }

// storeOptions are the options the worker opens its cache with.
func (c *workerHost) storeOptions() *cachestore.Options { return c.cache.storeOptions() }

// workerOptions are the options of the worker on this cache.
func (c *workerHost) workerOptions(log *slog.Logger) *worker.Options {
	return &worker.Options{Name: c.cache.worker, DBName: c.dbName, Stream: c.stream, DLQStream: c.dlqStream,
		BatchSize: c.worker.batchSize, StaleVersions: c.worker.staleVersions, StaleAfter: c.worker.staleAfter,
		TriggerSubject: ops.PollSubject(c.triggerSubj), Logger: log}
}
