package speedtest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/testenv"
)

// BenchmarkSpeedOfLight measures the raw parts and memsync's cold sync on
// one data set in one run and reports their ratio (see doc.go). Run it with
//
//	MEMSYNC_BENCH_EPISODES=20000 go test -run XXX -bench SpeedOfLight -benchtime 1x ./internal/speedtest
//
// MEMSYNC_BENCH_SERIAL=1 starts the cold sync's applier only once the
// publisher is done: against the default (both at once, as `run --once`)
// it shows what the overlap of the two gains.
func BenchmarkSpeedOfLight(b *testing.B) {
	episodes := envInt(b, "MEMSYNC_BENCH_EPISODES", 5000, 1)
	window := envInt(b, "MEMSYNC_BENCH_WINDOW", 0, 0)
	d := newDataset(b, episodes)
	n := testenv.StartNATS(b)
	rates := map[string]float64{}
	stages := []stage{
		{"scan", d.benchScan},
		{"publish", func(m *meter) int { return d.benchPublish(m, n) }},
		{"publish-atomic", func(m *meter) int { return d.benchPublishAtomic(m, n) }},
		{"apply", func(m *meter) int { return d.benchApply(m, n) }},
		{"pebble", d.benchPebble},
		{"coldsync", func(m *meter) int { return d.benchColdSync(m, n, window) }},
	}
	runStages(b, stages, rates)
	b.Run("ratio", func(b *testing.B) {
		b.Logf("data set: %d episodes + 100 patterns, each with a 384-d embedding: %d rows, %.1f MB scanned",
			episodes, len(d.rows), float64(d.bytes)/1e6)
		reportRatios(b, rates)
	})
}

// stage is one measured part: it returns the rows it moved.
type stage struct {
	name string
	run  func(*meter) int
}

// runStages runs each stage as a sub-benchmark and records its rate in
// rates; each reports rows/s and CPU µs per row.
func runStages(b *testing.B, stages []stage, rates map[string]float64) {
	for _, s := range stages {
		b.Run(s.name, func(b *testing.B) {
			m := newMeter(b)
			rows := s.run(m)
			rates[s.name] = float64(rows) / b.Elapsed().Seconds()
			b.ReportMetric(rates[s.name], "rows/s")
			b.ReportMetric(float64(m.cpu().Microseconds())/float64(rows), "cpu-µs/row")
		})
	}
}

// benchScan: the libSQL scan of the seeded file.
func (d *dataset) benchScan(m *meter) int {
	b := m.b
	db, closeDB := openDB(b, d.golden)
	defer closeDB()
	total := 0
	var err error
	m.reset()
	inStage(b.Context(), "scan", func(ctx context.Context) {
		for i := 0; i < b.N && err == nil; i++ {
			var n int
			n, err = scanAll(ctx, db.SQL(), func(string, []any) error { return nil })
			err = d.same(err, n, "scan")
			total += n
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	return total
}

// benchPublish: every row to a new compacted stream per iteration.
func (d *dataset) benchPublish(m *meter, n *testenv.NATS) int {
	b := m.b
	ctx := b.Context()
	var failed atomic.Int64
	total := 0
	inStage(ctx, "publish", func(ctx context.Context) {
		m.off()
		js := connect(b, n, publishOpts(&failed)...)
		for i := 0; i < b.N; i++ {
			m.off()
			if err := freshStream(ctx, js); err != nil {
				b.Fatal(err)
			}
			m.on()
			if err := publishRows(ctx, js, d.rows, &failed); err != nil {
				b.Fatal(err)
			}
			m.off()
			if err := streamHolds(ctx, js, len(d.rows)); err != nil {
				b.Fatal(err)
			}
			m.on()
			total += len(d.rows)
		}
	})
	return total
}

// benchApply: a new consumer and Pebble directory per iteration, on the
// raw stream (filled first, untimed, when the publish stage did not run).
func (d *dataset) benchApply(m *meter, n *testenv.NATS) int {
	b := m.b
	ctx := b.Context()
	total := 0
	inStage(ctx, "apply", func(ctx context.Context) {
		var failed atomic.Int64
		m.off()
		js := connect(b, n, publishOpts(&failed)...)
		if streamHolds(ctx, js, len(d.rows)) != nil {
			if err := freshStream(ctx, js); err != nil {
				b.Fatal(err)
			}
			if err := publishRows(ctx, js, d.rows, &failed); err != nil {
				b.Fatal(err)
			}
		}
		m.on()
		for i := 0; i < b.N; i++ {
			total += d.applyOnce(m, ctx, js, i)
		}
	})
	return total
}

func (d *dataset) applyOnce(m *meter, ctx context.Context, js jetstream.JetStream, i int) int {
	b := m.b
	m.off()
	dir := filepath.Join(b.TempDir(), "pebble")
	m.on()
	db := openPebble(b, dir)
	got, err := applyRows(ctx, js, db, "speedtest-"+strconv.Itoa(i), len(d.rows))
	m.off()
	defer m.on()
	defer os.RemoveAll(dir)
	_ = js.DeleteConsumer(ctx, rawStream, "speedtest-"+strconv.Itoa(i)) // the next run of this stage starts anew
	stored, cerr := countRows(db)
	if err = d.same(err, got, "apply (fetched)"); err == nil {
		err = d.same(cerr, stored, "apply (stored)")
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	return got
}

// benchPebble: the rows in Pebble batches, a new directory per iteration.
func (d *dataset) benchPebble(m *meter) int {
	b := m.b
	total := 0
	inStage(b.Context(), "pebble", func(context.Context) {
		for i := 0; i < b.N; i++ {
			m.off()
			dir := filepath.Join(b.TempDir(), "pebble")
			m.on()
			db := openPebble(b, dir)
			err := pebbleRows(db, d.rows)
			m.off()
			stored, cerr := countRows(db)
			if err == nil {
				err = d.same(cerr, stored, "pebble")
			}
			if cerr := db.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				b.Fatal(err)
			}
			os.RemoveAll(dir)
			m.on()
			total += stored
		}
	})
	return total
}

// benchColdSync: memsync's cold sync from a fresh copy of the seeded file,
// with no stream and an empty cache, to lag 0. Besides rows/s it reports
// when the publisher and the applier finished (s after the start), what
// the cache's Pebble flushed and compacted during the sync, and what
// reopening the synced cache costs with and without the integrity scan
// (untimed).
func (d *dataset) benchColdSync(m *meter, n *testenv.NATS, window int) int {
	b := m.b
	total := 0
	var sum phases
	var open openCost
	var disk cachestore.DiskStats
	var cf batchMeter
	serial := envInt(b, "MEMSYNC_BENCH_SERIAL", 0, 0) != 0
	defer func() {
		N := float64(b.N)
		b.ReportMetric(sum.published.Seconds()/N, "publish-done-s")
		b.ReportMetric(cf.meanMillis(), "cf-batch-ms")
		b.ReportMetric(sum.applied.Seconds()/N, "apply-done-s")
		b.ReportMetric(ms(open.verify)/N, "open-verify-ms")
		b.ReportMetric(ms(open.skip)/N, "open-skipverify-ms")
		b.ReportMetric(float64(open.scan.Bytes)/1e6/N, "scan-MB")
		b.ReportMetric(float64(disk.WALBytes)/1e6/N, "pebble-wal-MB")
		b.ReportMetric(float64(disk.FlushedBytes)/1e6/N, "pebble-flushed-MB")
		b.ReportMetric(float64(disk.CompactedBytes)/1e6/N, "pebble-compacted-MB")
	}()
	for i := 0; i < b.N; i++ {
		m.off()
		dir := b.TempDir()
		path := copyDB(b, d.golden, dir)
		var p *pipeline
		inStage(b.Context(), "coldsync", func(ctx context.Context) {
			js := connect(b, n)
			deleteStreams(ctx, js)
			m.on()
			db, closeDB := openDB(b, path)
			defer closeDB()
			var err error
			var ph phases
			if p, err = newPipeline(db, js, filepath.Join(dir, "cache"), &cachestore.Options{MaxEpisodes: window}, tuning{cfBatch: cf.record, serial: serial}); err == nil {
				ph, err = p.coldSync(ctx, "coldsync")
			}
			sum.published, sum.applied = sum.published+ph.published, sum.applied+ph.applied
			m.off()
			inStage(ctx, "coldsync-check", func(ctx context.Context) {
				if err == nil {
					err = p.checkColdSync(ctx, len(d.rows), window == 0)
				}
				if p != nil {
					ds := p.store.DiskStats()
					disk.WALBytes += ds.WALBytes
					disk.FlushedBytes += ds.FlushedBytes
					disk.CompactedBytes += ds.CompactedBytes
					p.store.Close()
				}
				if err == nil {
					err = open.add(measureOpen(filepath.Join(dir, "cache"), cachestore.Options{MaxEpisodes: window}))
				}
			})
			if err != nil {
				b.Fatal(err)
			}
		})
		os.RemoveAll(dir)
		m.on()
		total += len(d.rows)
	}
	return total
}
