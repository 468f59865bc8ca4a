package cachestore

import (
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2"

	"github.com/memsync/memsync/protocol"
)

// fillCache applies n episodes, each with an embedding, in one batch.
func fillCache(t *testing.T, s *Store, n int) {
	t.Helper()
	var cs []Change
	for i := range n {
		id := fmt.Sprintf("ep%03d", i)
		cs = append(cs, episode(id, uint64(2*i+1), int64(i)), embedding("emb-"+id, uint64(2*i+2), protocol.EntityEpisode, id))
	}
	apply(t, s, latestLog{}, 1, cs...)
}

// TestTablesHaveBloomFilters: every sstable the cache writes carries a
// bloom filter, so Apply's catalog and ownership misses skip tables.
func TestTablesHaveBloomFilters(t *testing.T) {
	s := open(t, &Options{MaxEpisodes: 10})
	fillCache(t, s, 50)
	mustDo(t, s.db.Flush())
	mustDo(t, s.db.Compact(t.Context(), []byte("a"), []byte("z"), false))
	levels, err := s.db.SSTables(pebble.WithProperties())
	mustDo(t, err)
	n := 0
	for level, tables := range levels {
		for _, tb := range tables {
			n++
			if got := tb.Properties.FilterPolicyName; got != "rocksdb.BuiltinBloomFilter" {
				t.Errorf("L%d table %s: filter policy %q, want the bloom filter", level, tb.FileNum, got)
			}
		}
	}
	if n == 0 {
		t.Fatal("no sstable written")
	}
}

// TestOpensCacheWrittenWithPebbleDefaults: a cache written before the
// filters and the block cache (Pebble's default options, the config stamp
// of that layout) opens as it is, serves its data and applies.
func TestOpensCacheWrittenWithPebbleDefaults(t *testing.T) {
	dir := t.TempDir()
	opts := &Options{MaxEpisodes: 10}
	s, err := Open(dir, opts)
	mustDo(t, err)
	fillCache(t, s, 30)
	mustDo(t, s.Close())

	// rewrite every table with Pebble's defaults (no filter) and the
	// config exactly as the earlier layout stamped it
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	mustDo(t, err)
	mustDo(t, db.Set(metaKey("config"), []byte(`{"format":1,"max_episodes":10,"no_patterns":false,"no_embeddings":false}`), pebble.Sync))
	mustDo(t, db.Compact(t.Context(), []byte("a"), []byte("z"), false))
	levels, err := db.SSTables(pebble.WithProperties())
	mustDo(t, err)
	for _, tables := range levels {
		for _, tb := range tables {
			if tb.Properties.FilterPolicyName != "" {
				t.Fatalf("table %s still has filter %q", tb.FileNum, tb.Properties.FilterPolicyName)
			}
		}
	}
	mustDo(t, db.Close())

	s, err = Open(dir, opts)
	mustDo(t, err)
	defer s.Close()
	if _, _, err := s.Episode("ep029"); err != nil {
		t.Fatalf("newest episode after reopen: %v", err)
	}
	if _, _, err := s.Embedding("emb-ep029"); err != nil {
		t.Fatalf("its embedding after reopen: %v", err)
	}
	apply(t, s, latestLog{}, 2, episode("ep100", 1000, 100), embedding("emb-ep100", 1001, protocol.EntityEpisode, "ep100"))
	ids, err := s.WindowIDs()
	mustDo(t, err)
	if len(ids) != 10 || ids[0] != "ep100" {
		t.Fatalf("window after an apply on the old cache: %v", ids)
	}
}

func TestOpenRejectsInvalidOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		ok   bool
	}{
		{"defaults", Options{}, true},
		{"explicit block cache", Options{BlockCacheSize: 1 << 20}, true},
		{"negative block cache", Options{BlockCacheSize: -1}, false},
		{"negative window", Options{MaxEpisodes: -1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(t.TempDir(), &tc.opts)
			if err == nil {
				mustDo(t, s.Close())
			}
			if (err == nil) != tc.ok {
				t.Fatalf("Open: %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestBlockCacheSizeDefault(t *testing.T) {
	for _, tc := range []struct {
		set, want int64
	}{{0, DefaultBlockCacheSize}, {1 << 20, 1 << 20}} {
		o := Options{BlockCacheSize: tc.set}
		if got := o.blockCacheSize(); got != tc.want {
			t.Errorf("BlockCacheSize %d: %d, want %d", tc.set, got, tc.want)
		}
	}
}
