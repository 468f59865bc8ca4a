package speedtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/turso"
)

// BenchmarkAgentCheckpoint: what SQLite's WAL auto-checkpoint costs an
// agent's write. Two databases with memsync installed (its triggers fill
// the change log), 2000 episodes each, written to by one agent connection
// each with INSERT OR REPLACE of a ~2.3 KB episode (synchronous FULL, the
// default), interleaved write by write so that the machine's noise falls
// on both alike:
//
//	auto  PRAGMA wal_autocheckpoint=1000 (SQLite's default): the commit that
//	      takes the WAL over 1000 pages copies it into the database
//	off   wal_autocheckpoint=0: nobody checkpoints during the run (what an
//	      agent would see if memsync checkpointed while the agent is idle)
//
// Reported per variant: p50, p99 and max of the write, in ms, and the WAL's
// size at the end (it grows without checkpoints). Run it with
//
//	go test -run XXX -bench AgentCheckpoint -benchtime 3000x ./internal/speedtest
func BenchmarkAgentCheckpoint(b *testing.B) {
	variants := []struct {
		name  string
		pages int
	}{{"auto", 1000}, {"off", 0}}
	dbs, paths := make([]*turso.DB, len(variants)), make([]string, len(variants))
	for i, v := range variants {
		paths[i] = filepath.Join(b.TempDir(), v.name+".db")
		dbs[i] = checkpointDB(b, paths[i], v.pages)
	}
	g := seed.NewGenerator(11, 0)
	lat := make([][]time.Duration, len(variants))
	b.ResetTimer()
	for n := range b.N {
		e := g.Episode(n, nil)
		for i, db := range dbs {
			e.ID = fmt.Sprintf("ep-ckpt-%s-%d", variants[i].name, n)
			start := time.Now()
			if err := seed.PutEpisode(context.Background(), db.SQL(), e); err != nil {
				b.Fatal(err)
			}
			lat[i] = append(lat[i], time.Since(start))
		}
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op") // the per-variant latencies are the result
	for i, v := range variants {
		p50, p99 := percentiles(lat[i])
		b.ReportMetric(ms(p50), "p50-"+v.name+"-ms")
		b.ReportMetric(ms(p99), "p99-"+v.name+"-ms")
		b.ReportMetric(ms(maxOf(lat[i])), "max-"+v.name+"-ms")
		if fi, err := os.Stat(paths[i] + "-wal"); err == nil { // shows the PRAGMA held
			b.ReportMetric(float64(fi.Size())/1e6, "wal-"+v.name+"-MB")
		}
	}
}

// checkpointDB is a database of 2000 episodes with memsync installed, on
// one connection (an agent's) whose auto-checkpoint is set to pages.
func checkpointDB(b *testing.B, path string, pages int) *turso.DB {
	b.Helper()
	db, _ := openDB(b, path)
	ctx := context.Background()
	if err := db.CreateTables(ctx); err != nil {
		b.Fatal(err)
	}
	if err := seed.Seed(ctx, db.SQL(), seed.Options{Episodes: 2000, Seed: 5}); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Install(ctx); err != nil {
		b.Fatal(err)
	}
	db.SQL().SetMaxOpenConns(1) // one connection, as an agent has: the PRAGMA sticks
	rows, err := db.SQL().QueryContext(ctx, "PRAGMA wal_autocheckpoint="+strconv.Itoa(pages))
	if err != nil {
		b.Fatal(err)
	}
	if err := rows.Close(); err != nil {
		b.Fatal(err)
	}
	return db
}

func maxOf(d []time.Duration) time.Duration {
	var m time.Duration
	for _, x := range d {
		m = max(m, x)
	}
	return m
}
