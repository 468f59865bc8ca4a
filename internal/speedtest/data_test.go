package speedtest

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// dataset is the seeded database every stage works on and its rows as the
// raw stages carry them.
type dataset struct {
	golden string   // the seeded libSQL file, closed (stages use it or a copy)
	rows   []rawRow // every row of the three tables
	bytes  int64    // their scanned bytes
}

// rawRow is one row as the raw stages move it: a subject made of its kind
// and id, and its scanned column bytes one after another.
type rawRow struct {
	subject string
	data    []byte
}

// scans are the raw reads: the columns the changefeed reads, TEXT CAST AS
// BLOB (internal/turso does the same), without memsync's JSON encoding.
var scans = []struct{ kind, query string }{
	{"e", `SELECT CAST(episode_id AS BLOB), CAST(task_type AS BLOB), CAST(task_description AS BLOB),
  CAST(context AS BLOB), start_time, end_time, CAST(steps AS BLOB), CAST(outcome AS BLOB), CAST(reward AS BLOB),
  CAST(reflection AS BLOB), CAST(patterns AS BLOB), CAST(heuristics AS BLOB), CAST(checkpoints AS BLOB),
  CAST(metadata AS BLOB), CAST(domain AS BLOB), CAST(language AS BLOB), created_at, archived_at FROM episodes`},
	{"p", `SELECT CAST(pattern_id AS BLOB), CAST(pattern_type AS BLOB), CAST(pattern_data AS BLOB), success_rate,
  CAST(context_domain AS BLOB), CAST(context_language AS BLOB), CAST(context_tags AS BLOB), occurrence_count,
  created_at, updated_at FROM patterns`},
	{"m", `SELECT CAST(embedding_id AS BLOB), CAST(item_id AS BLOB), CAST(item_type AS BLOB), embedding_vector,
  dimension, CAST(model AS BLOB), created_at FROM embeddings`},
}

// newDataset seeds episodes (each with a 384-d embedding) and 100 patterns
// (each with one) into a new libSQL file and loads its rows.
func newDataset(b testing.TB, episodes int) *dataset {
	b.Helper()
	d := &dataset{golden: filepath.Join(b.TempDir(), "golden.db")}
	db, closeDB := openDB(b, d.golden)
	ctx := context.Background()
	if err := db.CreateTables(ctx); err != nil {
		b.Fatal(err)
	}
	if err := seed.Seed(ctx, db.SQL(), seed.Options{Episodes: episodes, Patterns: 100, EmbeddingDim: 384, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	_, err := scanAll(ctx, db.SQL(), func(kind string, cells []any) error {
		r, err := toRawRow(kind, cells)
		d.rows, d.bytes = append(d.rows, r), d.bytes+int64(len(r.data))
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	closeDB()
	return d
}

// scanAll reads every row of the three tables and returns how many.
func scanAll(ctx context.Context, db *sql.DB, fn func(kind string, cells []any) error) (int, error) {
	n := 0
	for _, s := range scans {
		rows, err := db.QueryContext(ctx, s.query)
		if err != nil {
			return n, fmt.Errorf("scan %s: %w", s.kind, err)
		}
		cols, _ := rows.Columns()
		cells, ptrs := make([]any, len(cols)), make([]any, len(cols))
		for i := range cells {
			ptrs[i] = &cells[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return n, err
			}
			if err := fn(s.kind, cells); err != nil {
				rows.Close()
				return n, err
			}
			n++
		}
		if err := rows.Close(); err != nil {
			return n, err
		}
	}
	return n, nil
}

func toRawRow(kind string, cells []any) (rawRow, error) {
	id, _ := cells[0].([]byte)
	tok, err := protocol.EncodeID(string(id))
	if err != nil {
		return rawRow{}, err
	}
	var data []byte
	for _, c := range cells {
		switch v := c.(type) {
		case []byte:
			data = append(data, v...)
		case int64:
			data = binary.BigEndian.AppendUint64(data, uint64(v))
		case float64:
			data = binary.BigEndian.AppendUint64(data, math.Float64bits(v))
		}
	}
	return rawRow{subject: "speedtest." + kind + "." + tok, data: data}, nil
}

// openDB opens a libSQL file; the returned close (also run at cleanup,
// once) waits until libSQL has let go of the file, so it can be copied.
func openDB(b testing.TB, path string) (*turso.DB, func()) {
	b.Helper()
	db, err := turso.Open(context.Background(), "file:"+path, "")
	if err != nil {
		b.Fatal(err)
	}
	closeDB := sync.OnceFunc(func() { _ = db.Close() })
	b.Cleanup(closeDB)
	return db, closeDB
}

// copyDB copies a closed libSQL file (and its WAL, if any) into dir.
func copyDB(b testing.TB, src, dir string) string {
	b.Helper()
	dst := filepath.Join(dir, "memory.db")
	for _, suffix := range []string{"", "-wal"} {
		if err := copyFile(src+suffix, dst+suffix); err != nil && !(suffix != "" && os.IsNotExist(err)) {
			b.Fatal(err)
		}
	}
	return dst
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
