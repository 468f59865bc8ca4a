package integration

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
)

// corruptions damage a stopped cache the way disks and operators do.
var corruptions = []struct {
	name string
	do   func(t *testing.T, dir string)
}{
	{"flipped bytes in an sstable", func(t *testing.T, dir string) {
		flush(t, dir)
		f := largest(t, dir, ".sst")
		b, _ := os.ReadFile(f)
		for i := len(b) / 4; i < len(b)/4+64 && i < len(b); i++ {
			b[i] ^= 0xff
		}
		mustDo(t, os.WriteFile(f, b, 0o644))
	}},
	{"MANIFEST deleted", func(t *testing.T, dir string) {
		m, _ := filepath.Glob(filepath.Join(dir, "MANIFEST-*"))
		for _, f := range m {
			mustDo(t, os.Remove(f))
		}
	}},
	{"sstable truncated", func(t *testing.T, dir string) {
		flush(t, dir)
		f := largest(t, dir, ".sst")
		st, _ := os.Stat(f)
		mustDo(t, os.Truncate(f, st.Size()/2))
	}},
}

func flush(t *testing.T, dir string) {
	tamper(t, dir, func(db *pebble.DB) { mustDo(t, db.Flush()) })
}

func hasFile(dir, ext string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*"+ext))
	return len(m) > 0
}

func largest(t *testing.T, dir, ext string) string {
	m, _ := filepath.Glob(filepath.Join(dir, "*"+ext))
	if len(m) == 0 {
		t.Fatalf("no %s file in %s", ext, dir)
	}
	sort.Slice(m, func(i, j int) bool { a, _ := os.Stat(m[i]); b, _ := os.Stat(m[j]); return a.Size() > b.Size() })
	return m[0]
}

// A cache damaged before the worker repaired it (two "corrupt cache" faults
// close together in the chaos schedule, now that the worker verifies the
// cache beside its work instead of before it) is opened again by the test's
// own tamper helper. Pebble reports the damage it finds in the background;
// the helper must not turn that into a panic of the test binary (CI failed
// that way: DataCorruption -> Logger.Fatalf -> panic). The damage here hits
// a table's metadata near its end, which Pebble reads as soon as it opens
// the table.
func TestDamagedCacheCanBeOpenedAgain(t *testing.T) {
	e, w := newEnvWriter(t, 66, 384)
	w.episodes(60)
	e.publishNew(changefeed.Options{})
	opts := cachestore.Options{MaxEpisodes: 50}
	dir := e.builtCache(opts)
	flush(t, dir)
	f := largest(t, dir, ".sst")
	b, err := os.ReadFile(f)
	mustDo(t, err)
	for i := len(b) - len(b)/8; i < len(b)-64; i++ {
		b[i] ^= 0xff
	}
	mustDo(t, os.WriteFile(f, b, 0o644))
	for range 3 {
		flush(t, dir)
	}
	if s, err := cachestore.Open(dir, &opts); err == nil {
		s.Close()
		t.Fatal("damaged cache opened without an error")
	}
}
