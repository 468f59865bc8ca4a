// Package speedtest is memsync's speed-of-light benchmark: on one generated
// data set (internal/seed: ~2.3 KB episodes, each with a 384-d embedding,
// and 100 patterns with theirs) and in one process run, it measures the raw
// rate of every part memsync is built from and memsync's own cold sync
// through those parts, and reports how close the whole comes to them, so
// every later change sees where it stands.
//
// The package proper holds only this documentation and its errors; the
// benchmarks are in its _test files and run only with -bench (CI compiles
// them and runs none):
//
//	MEMSYNC_BENCH_EPISODES=20000 go test -run XXX -bench SpeedOfLight -benchtime 1x ./internal/speedtest
//
// BenchmarkSpeedOfLight seeds one libSQL file (MEMSYNC_BENCH_EPISODES
// episodes, default 5000) and starts one in-process nats-server, then runs
// these sub-benchmarks, each reporting rows/s (rows: episodes + patterns +
// embeddings):
//
//	scan      libSQL: every row of the three tables, the columns the
//	          changefeed needs, TEXT read CAST AS BLOB (embedding_data left
//	          out: the 384-d vector is in embedding_vector)
//	publish   JetStream: one message per row (its scanned bytes) to a
//	          compacted stream (changefeed.StreamConfig, MaxMsgsPerSubject
//	          1), asynchronous publishes with a bounded window, all acked
//	publish-atomic
//	          the same rows as the changefeed must publish them: atomic
//	          batches of 500, one after another, each closed by a
//	          checkpoint fenced on the previous one (invariant 2)
//	apply     a durable pull consumer (AckAll): FetchNoWait 256, the batch
//	          in one Pebble batch committed with Sync, Ack of the last one
//	pebble    the same rows in Pebble batches of 256 committed with Sync
//	coldsync  memsync itself: a fresh copy of the seeded file (no memsync
//	          objects yet), the changefeed (install, bootstrap capture,
//	          atomic batches) and a worker on an empty cache
//	          (MEMSYNC_BENCH_WINDOW episodes, default 0 = unbounded) run as
//	          `memsync run --once` runs them, until lag 0
//	ratio     serial = 1/(1/scan + 1/publish + 1/apply), the three stages
//	          one after another; coldsync/serial and coldsync/slowest; and
//	          serial-atomic, the same with publish-atomic, with
//	          coldsync/serial-atomic: the ceiling of a pipeline that keeps
//	          the atomic batches
//
// Every stage also reports its process CPU per row (cpu-µs/row, the
// in-process nats-server and Pebble's background work included, only
// while the timer runs): on a shared machine the wall rates move with the
// neighbours' load, the CPU per row much less. The cold sync also reports
// when its publisher and applier finished and what reopening the synced
// cache costs with and without the integrity scan.
//
// BenchmarkSteadyStream runs the changefeed and a worker (production
// defaults) while an agent writes b.N single episodes at MEMSYNC_BENCH_RATE
// per second (default 1000) into a database of
// MEMSYNC_BENCH_STEADY_EPISODES episodes (default 1000), and reports the
// commit-to-applied propagation (p50, p99) and the process CPU per change.
// BenchmarkAgentCheckpoint compares an agent's write with SQLite's WAL
// auto-checkpoint on and off.
//
// Every stage runs under the pprof label stage=<name> (its NATS client
// connection too), so `go tool pprof -tagfocus stage=coldsync-apply` shows
// one stage of a -cpuprofile; the in-process nats-server is unlabelled.
//
// Invariants:
//   - a rate is reported only for a stage that moved exactly the data set:
//     every stage counts what it read, published, stored or applied and
//     fails the benchmark on a difference (dataset.same, checkColdSync);
//   - the cold sync ends only at lag 0: the worker's applied version is the
//     change-log head and, with an unbounded window, the cache holds every
//     row (checkColdSync);
//   - every stage starts from nothing of its own: a new stream, consumer,
//     Pebble directory or database copy per iteration, made with the timer
//     stopped;
//   - nothing is asserted about time: the figures are reported, never
//     compared with a bound.
package speedtest
