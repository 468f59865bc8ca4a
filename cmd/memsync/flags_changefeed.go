package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/memsync/memsync/changefeed"
)

// changefeedFlags configure the publisher: how often it polls the change
// log, how much one atomic batch carries, when the change log is pruned,
// the stream's replicas and tombstone retention, the dead-letter stream's
// byte limit and the full re-capture rate limit (issue 9, items 6 and 5).
type changefeedFlags struct {
	pollInterval       time.Duration
	pollMin            time.Duration
	pruneDelay         time.Duration
	publishBatch       int
	publishMaxBytes    int
	replicas           int
	tombstoneTTL       time.Duration
	dlqMaxBytes        dlqMaxBytes
	fullRecaptureEvery time.Duration
}

func (f *changefeedFlags) register(cl *commandLine) {
	cl.fs.DurationVar(&f.pollInterval, "poll-interval", 0, "idle change-log poll period, the longest wait between polls (default 25ms for a local file, 2s for a remote database); alone it fixes the period")
	cl.fs.DurationVar(&f.pollMin, "poll-min", 0, "wait after a poll that found changes, growing with idle time up to --poll-interval (default 5ms local, 50ms remote)")
	cl.fs.DurationVar(&f.pruneDelay, "prune-delay", 3*time.Minute, "age a checkpoint needs before the change log is pruned below it")
	cl.fs.IntVar(&f.publishBatch, "publish-batch", 500, "change-log rows per atomic publish batch (1..999)")
	cl.fs.IntVar(&f.publishMaxBytes, "publish-max-bytes", changefeed.DefaultMaxBatchBytes, "bytes per atomic publish batch (at least 65536); rows are read only up to it")
	cl.fs.IntVar(&f.replicas, "replicas", 1, "stream replicas (3 on a three-node cluster)")
	cl.fs.DurationVar(&f.tombstoneTTL, "tombstone-ttl", 30*24*time.Hour, "how long delete tombstones stay in the stream (0 = forever); workers offline longer rebuild")
	f.dlqMaxBytes = dlqMaxBytes{byteSize(changefeed.DefaultDLQMaxBytes)}
	cl.fs.Var(&f.dlqMaxBytes, "dlq-max-bytes", "byte limit of the dead-letter stream, e.g. 256MiB (at least 1MiB); the oldest dead letters are discarded beyond it")
	cl.fs.DurationVar(&f.fullRecaptureEvery, "full-recapture-every", changefeed.DefaultFullRecaptureEvery, "least time between two full re-captures asked by trigger --mode full (0 = no limit); one within it is refused")
}

// options are the changefeed's options for the stream names in s.
func (f *changefeedFlags) options(s *streamFlags, log *slog.Logger) changefeed.Options {
	o := changefeed.Options{DBName: s.dbName, Stream: s.stream, DLQStream: s.dlqStream, BatchSize: f.publishBatch, MaxBatchBytes: f.publishMaxBytes,
		PollInterval: f.pollInterval, PollMin: f.pollMin, PruneDelay: f.pruneDelay, TombstoneTTL: f.tombstoneTTL, Replicas: f.replicas, Logger: log,
		DLQMaxBytes: int64(f.dlqMaxBytes.byteSize), FullRecaptureEvery: f.fullRecaptureEvery}
	if o.FullRecaptureEvery <= 0 {
		o.FullRecaptureEvery = -1 // no limit
	}
	return o
}

// dlqMaxBytes is --dlq-max-bytes: a size as --keep-aside-bytes takes, at
// least changefeed.MinDLQMaxBytes (0 would mean "the default" below).
type dlqMaxBytes struct{ byteSize }

func (b *dlqMaxBytes) Set(s string) error {
	if err := b.byteSize.Set(s); err != nil {
		return err
	}
	if int64(b.byteSize) < changefeed.MinDLQMaxBytes {
		return fmt.Errorf("%q: the dead-letter stream needs at least 1MiB (one poison message of the max payload)", s)
	}
	return nil
}
