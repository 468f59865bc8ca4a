package cachestore

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/memsync/memsync/protocol"
)

// growthRun is the shape of one growth measurement.
type growthRun struct {
	upserts   int // episode upserts in total
	episodes  int // distinct episode ids they spread over
	deletePct int // deletes, as a percentage of the upserts, interleaved at random
	window    int
	batch     int
}

func envInt(t testing.TB, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}

// The cache grows with its window and the live entities of the database,
// not with the history of deletes (item 6 of issue 9): upserts spread over
// distinct episodes with a share of deletes, applied in worker-sized
// batches to a real Store, then a final compaction; prints the size on
// disk and what the integrity scan reads on reopen.
//
//	MEMSYNC_GROWTH_UPSERTS=1000000 go test ./cachestore -run TestGrowth -v -timeout 30m
//
// (MEMSYNC_GROWTH_EPISODES, default upserts/10; MEMSYNC_GROWTH_DELETE_PCT,
// default 10; MEMSYNC_GROWTH_GC=off measures without the collector,
// MEMSYNC_GROWTH_HORIZON=off without forgetting live entries). CI
// runs 10k upserts over 5k episodes (about 5 s under -race).
func TestGrowth(t *testing.T) {
	up, eps := 10_000, 5_000
	if os.Getenv("MEMSYNC_GROWTH_UPSERTS") != "" {
		up = envInt(t, "MEMSYNC_GROWTH_UPSERTS", up)
		eps = max(1, up/10)
	}
	r := growthRun{upserts: up, episodes: envInt(t, "MEMSYNC_GROWTH_EPISODES", eps),
		deletePct: envInt(t, "MEMSYNC_GROWTH_DELETE_PCT", 10), window: 1000, batch: 256}
	opts := &Options{MaxEpisodes: r.window}
	gc := os.Getenv("MEMSYNC_GROWTH_GC") != "off"
	if !gc {
		opts.GCBudget = -1
	}
	horizon := os.Getenv("MEMSYNC_GROWTH_HORIZON") != "off"
	if !horizon {
		opts.Reserve = -1
	}
	dir := t.TempDir()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	src := &scanningLog{latestLog: latestLog{}}
	live := r.apply(t, s, src)
	applied := time.Since(start)
	// The changefeed's idle checkpoints let the collector finish its pass.
	idle(t, s, src, r.episodes/DefaultGCBudget+2)
	if err := s.db.Compact(t.Context(), []byte{0}, []byte{0xff}, true); err != nil {
		t.Fatal(err)
	}
	keys := countKeys(t, s)
	mustClose(t, s)
	size, tables := dirSize(t, dir)
	start = time.Now()
	s, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	reopen := time.Since(start)
	defer mustClose(t, s)
	if st := s.State(); st.Count != min(r.window, live) {
		t.Fatalf("window count %d, want min(%d, %d live)", st.Count, r.window, live)
	}
	t.Logf("growth: %d upserts over %d episodes, %d%% deletes, window %d, collector %v, horizon %v: applied in %s; %d live episodes, %d known, %d stream scans",
		r.upserts, r.episodes, r.deletePct, r.window, gc, horizon, applied.Round(time.Millisecond), live, s.State().Known, src.scans)
	t.Logf("growth: on disk after compaction %.2f MiB (sstables %.2f MiB); keys %v", mib(size), mib(tables), keys)
	sc := s.IntegrityScan()
	t.Logf("growth: reopen %s, integrity scan %s over %d keys, %.2f MiB", reopen.Round(time.Microsecond),
		sc.Took.Round(time.Microsecond), sc.Keys, mib(sc.Bytes))
	if gc && keys["tombstones"] != 0 {
		t.Fatalf("%d tombstones left after a full collector pass", keys["tombstones"])
	}
	if limit := r.window + opts.reserve(); gc && horizon && s.State().Known > limit {
		t.Fatalf("%d episodes known after idle passes, want <= %d (window and reserve)", s.State().Known, limit)
	}
}

// apply runs the schedule and returns the number of live episodes.
func (r growthRun) apply(t testing.TB, s *Store, src *scanningLog) int {
	t.Helper()
	rng := rand.New(rand.NewPCG(9, 9))
	alive := map[int]bool{}
	version, pos := uint64(0), uint64(0)
	var batch []Change
	deletes := r.upserts * r.deletePct / 100
	for done := 0; done < r.upserts+deletes; done++ {
		version++
		i := rng.IntN(r.episodes)
		id := fmt.Sprintf("ep-%07d", i)
		var c Change
		if rng.IntN(r.upserts+deletes) < deletes {
			c, alive[i] = del(protocol.EntityEpisode, id, version), false
		} else {
			c, alive[i] = episode(id, version, int64(i)), true
			c.Listed = true // as the changefeed sends them (no embeddings here)
		}
		src.record(c)
		if batch = append(batch, c); len(batch) == r.batch {
			pos++
			if _, err := s.Apply(t.Context(), Batch{Changes: batch, Checkpoint: version, Position: pos}, src); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	pos++
	if _, err := s.Apply(t.Context(), Batch{Changes: batch, Checkpoint: version, Position: pos}, src); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ok := range alive {
		if ok {
			n++
		}
	}
	return n
}

// countKeys counts keys by their first two bytes (c/, s/, d/, o/, m/) and
// the catalog's tombstones.
func countKeys(t *testing.T, s *Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := s.View(func(v *View) error {
		return v.scan(nil, func(k, val []byte) (bool, error) {
			out[string(k[:2])]++
			if k[0] == 'c' {
				if e, err := decodeEntry(val); err == nil && e.Deleted {
					out["tombstones"]++
				}
			}
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// dirSize is the size of every file under dir, and of its sstables.
func dirSize(t *testing.T, dir string) (all, tables int64) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			all += info.Size()
			if filepath.Ext(p) == ".sst" {
				tables += info.Size()
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return all, tables
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func mustClose(t *testing.T, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
