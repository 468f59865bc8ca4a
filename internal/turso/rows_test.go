package turso

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// permissiveDDL: the synced tables' columns without types or constraints,
// as a foreign writer may have them, so that every odd value can be
// stored (NULL ids, text in integer columns, short vectors).
var permissiveDDL = []string{
	`CREATE TABLE episodes (episode_id, task_type, task_description, context, start_time, end_time, steps, outcome,
  reward, reflection, patterns, heuristics, checkpoints, metadata, domain, language, created_at, archived_at)`,
	`CREATE TABLE patterns (pattern_id, pattern_type, pattern_data, success_rate, context_domain, context_language,
  context_tags, occurrence_count, created_at, updated_at)`,
	`CREATE TABLE embeddings (embedding_id, item_id, item_type, embedding_data, embedding_vector, dimension, model, created_at)`,
}

// oddTexts: NUL and other control bytes, quotes, HTML characters, bytes
// that are not UTF-8, U+2028, text go-libsql would parse as a time.
var oddTexts = []string{"", "a", "ep-1", "\x00", "a\x00\xffb", `"quoted"`, `back\slash`, "<b>&amp;</b>", "\xff", "\xfe\xc3",
	"\xed\xa0\x80", "\u2028\u2029", "ünï.code", "🙂", "\x01\x1f\x7f", "\t\n\r\b\f", "2024-01-02 03:04:05",
	"2024-01-02T03:04:05Z", `{"k":[1,"v"]}`, "'"}

func oddText(r *rand.Rand) []byte {
	var b []byte
	for range 1 + r.IntN(4) {
		b = append(b, oddTexts[r.IntN(len(oddTexts))]...)
	}
	if r.IntN(10) == 0 {
		b = append(b, strings.Repeat(`{"step":"grep <x> & \"y\""},`, 1+r.IntN(2000))...)
	}
	return b
}

// textCol is a text column's value: text, or sometimes NULL (malformed in
// a NOT NULL column) or an integer (CAST AS BLOB makes it text).
func textCol(r *rand.Rand) any {
	switch r.IntN(60) {
	case 0:
		return nil
	case 1:
		return r.Int64N(1000)
	}
	return oddText(r)
}

// intCol is an integer column's value, sometimes NULL, a real, a time-like
// text or a blob.
func intCol(r *rand.Rand) any {
	switch r.IntN(70) {
	case 0:
		return nil
	case 1:
		return 1.5
	case 2:
		return 7.0
	case 3:
		return "2024-01-02 03:04:05"
	case 4:
		return "12"
	case 5:
		return []byte{1, 2}
	case 6:
		return int64(math.MinInt64)
	}
	return r.Int64N(1 << 40)
}

func realCol(r *rand.Rand) any {
	switch r.IntN(12) {
	case 0:
		return nil
	case 1:
		return int64(3)
	case 2:
		return "0.5"
	}
	return []float64{0, 0.1, 0.75, 1e-7, 1e21, 123456.789, -2.5e-9}[r.IntN(7)]
}

// vectorCols are an embedding's embedding_data, embedding_vector and
// dimension: a binary vector, the JSON array only, or a mismatch.
func vectorCols(r *rand.Rand) (data, vec, dim any) {
	d := []int{1, 3, 384, 1536}[r.IntN(4)]
	v := make([]byte, 4*d)
	fs := make([]string, d)
	for i := range d {
		f := float32(r.NormFloat64())
		binary.LittleEndian.PutUint32(v[4*i:], math.Float32bits(f))
		fs[i] = fmt.Sprint(f)
	}
	js := []byte("[" + strings.Join(fs, ",") + "]")
	switch r.IntN(16) {
	case 0:
		return js, nil, int64(d) // JSON only
	case 1:
		return js, v[:len(v)-4], int64(d) // short vector: JSON fallback
	case 2:
		return []byte("[1,2"), nil, int64(d) // bad JSON
	case 3:
		return js, nil, int64(d + 1) // wrong count
	case 4:
		return nil, nil, int64(d)
	case 5:
		return js, v, intCol(r)
	}
	return js, v, int64(d)
}

// fillOdd writes n generated rows of each kind, ids odd but distinct.
func fillOdd(t *testing.T, d *DB, r *rand.Rand, n int) {
	t.Helper()
	for _, q := range permissiveDDL {
		mustExec(t, d, q)
	}
	id := func(i int) any {
		if r.IntN(40) == 0 {
			return nil
		}
		return append(oddText(r), fmt.Sprintf("#%d", i)...)
	}
	text := "CAST(? AS TEXT)"
	ep := "INSERT INTO episodes VALUES (" + strings.Repeat(text+",", 4) + "?, ?, " + strings.Repeat(text+",", 10) + "?, ?)"
	pat := "INSERT INTO patterns VALUES (" + strings.Repeat(text+",", 3) + "?, " + strings.Repeat(text+",", 3) + "?, ?, ?)"
	emb := "INSERT INTO embeddings VALUES (" + strings.Repeat(text+",", 4) + "?, ?, " + text + ", ?)"
	var episodes [][]byte
	for i := range n {
		eid := id(i)
		if b, ok := eid.([]byte); ok {
			episodes = append(episodes, b)
		}
		mustExec(t, d, ep, eid, textCol(r), textCol(r), textCol(r), intCol(r), intCol(r), textCol(r), textCol(r),
			textCol(r), textCol(r), textCol(r), textCol(r), textCol(r), textCol(r), textCol(r), textCol(r), intCol(r), intCol(r))
		mustExec(t, d, pat, id(i), textCol(r), textCol(r), realCol(r), textCol(r), textCol(r), textCol(r), intCol(r), intCol(r), intCol(r))
		owner, kind := any(oddText(r)), []string{"episode", "episode", "episode", "pattern", "pattern", "widget", ""}[r.IntN(7)]
		if len(episodes) > 0 && r.IntN(2) == 0 {
			owner = episodes[r.IntN(len(episodes))]
		}
		data, vec, dim := vectorCols(r)
		mustExec(t, d, emb, id(i), owner, kind, data, vec, dim, []byte([]string{"all-MiniLM-L6-v2", "m\xff", "x"}[r.IntN(3)]), intCol(r))
	}
	mustExec(t, d, `INSERT INTO patterns VALUES ('pat-inf', 't', '{}', 9e999, NULL, NULL, NULL, 1, 1, 1)`)
}

func sameRow(t *testing.T, got, want Row) {
	t.Helper()
	if (got.Err == nil) != (want.Err == nil) || (got.Err != nil && (got.Err.Error() != want.Err.Error() ||
		errors.Is(got.Err, ErrMalformedRow) != errors.Is(want.Err, ErrMalformedRow))) {
		t.Fatalf("%s %q: error %v, reference %v", want.Entity, want.ID, got.Err, want.Err)
	}
	got.Err, want.Err = nil, nil
	if !bytes.Equal(got.Frame.Data(), got.Data) {
		t.Fatalf("%s %.80q: the frame holds %.100q, the row %.100q", want.Entity, want.ID, got.Frame.Data(), got.Data)
	}
	got.Frame = protocol.Frame{}
	if !bytes.Equal(got.Data, want.Data) {
		t.Fatalf("%s %.80q: data\n got %.300q\nwant %.300q", want.Entity, want.ID, got.Data, want.Data)
	}
	if got.Data, want.Data = nil, nil; !reflect.DeepEqual(got, want) {
		t.Fatalf("%s %.80q:\n got %+.300v\nwant %+.300v", want.Entity, want.ID, got, want)
	}
}

// Rows read by the reused buffers and the appending encoder are, field for
// field and byte for byte, the rows of the code they replaced, over real
// libSQL rows with odd ids and text (NUL, non-UTF-8, quotes, control
// bytes, time-like text), NULL columns, wrong types, big and mismatched
// embeddings. Both ways in: a full scan and ReadRows by id.
func TestRowsMatchTheReference(t *testing.T) {
	d, err := Open(t.Context(), "file:"+filepath.Join(t.TempDir(), "odd.db"), "") // fillOdd creates the tables
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	r := rand.New(rand.NewPCG(10, 1))
	fillOdd(t, d, r, 400)
	ctx := t.Context()
	for _, e := range protocol.Entities {
		t.Run(string(e), func(t *testing.T) {
			query := selectCols[e] + " ORDER BY rowid"
			var want, got []Row
			if err := refScanRows(ctx, d.sql, e, query, nil, func(r Row) error { want = append(want, r); return nil }); err != nil {
				t.Fatal(err)
			}
			if err := scanRows(ctx, d.sql, e, query, nil, func(r Row) error { got = append(got, r); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(want) < 400 {
				t.Fatalf("%d rows, reference %d", len(got), len(want))
			}
			malformed := 0
			ids := make([]string, 0, len(want))
			for i := range want {
				sameRow(t, got[i], want[i])
				if want[i].Err != nil {
					malformed++
				}
				ids = append(ids, want[i].ID)
			}
			if malformed == 0 || malformed > len(want)*2/3 {
				t.Fatalf("%d of %d rows malformed: the generator covers too little", malformed, len(want))
			}
			t.Logf("%d rows, %d malformed", len(want), malformed)
			byID, err := ReadRows(ctx, d.sql, e, ids)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range want {
				if w.ID != "" { // ids are distinct ("#<i>" ends each), NULL reads as ""
					sameRow(t, byID[w.ID], w)
				}
			}
		})
	}
}
