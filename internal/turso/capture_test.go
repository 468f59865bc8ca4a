package turso

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// addOddRows writes rows the keyset cannot page: a TEXT and a REAL
// start_time, BLOB ids (a foreign writer's); all must still be captured.
func addOddRows(t *testing.T, d *DB) {
	putEpisode(t, d, "ep-text-start", "yesterday")
	putEpisode(t, d, "ep-real-start", 1.5)
	putEpisode(t, d, []byte{0xff, 0x00}, 1200)
	mustExec(t, d, `INSERT INTO patterns (pattern_id, pattern_type, pattern_data, success_rate) VALUES (X'FE', 't', '{}', 0.5)`)
	mustExec(t, d, `INSERT INTO embeddings (embedding_id, item_id, item_type, embedding_data, dimension, model) VALUES (X'FD', 'x', 'episode', '[1]', 1, 'm')`)
}

// wantOrder is the capture order: per table, the well-formed rows in the
// table's order (episodes most recent first), then the others by rowid.
func wantOrder(t *testing.T, d *DB) []string {
	var out []string
	for _, p := range capturePhases {
		order := " ORDER BY rowid"
		where := "NOT (" + p.wellFormed() + ")"
		if !p.odd {
			where, order = p.wellFormed(), " ORDER BY "+p.idCol
			if p.episodes() {
				order = " ORDER BY start_time DESC, episode_id"
			}
		}
		for _, k := range rowKeys(t, d, fmt.Sprintf("SELECT quote(%s) FROM %s WHERE %s%s", p.idCol, p.table, where, order)) {
			out = append(out, p.entity+" "+k)
		}
	}
	return out
}

func TestBootstrapOrderAndExactlyOnce(t *testing.T) {
	for _, chunk := range []int{1, 3, 7, DefaultCaptureChunk} {
		t.Run(fmt.Sprintf("chunk=%d", chunk), func(t *testing.T) {
			d := openTestDB(t, "")
			fill(t, d, 40)
			addOddRows(t, d)
			want := wantOrder(t, d)
			d.capture.rows = chunk
			info, err := d.Install(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range changes(t, d) {
				got = append(got, c.entity+" "+c.entID)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("captured\n%v\nwant\n%v", got, want)
			}
			if !info.Created || info.Bootstrapped != int64(len(want)) || captureLeft(t, d) {
				t.Fatalf("info %+v (want created, %d rows), capture left: %v", info, len(want), captureLeft(t, d))
			}
			if minChunks := len(want) / chunk; info.Capture.Chunks < minChunks {
				t.Fatalf("%d chunks for %d rows of at most %d", info.Capture.Chunks, len(want), chunk)
			}
			again, err := d.Install(t.Context())
			if err != nil || again.Created || again.Bootstrapped != 0 || again.Lineage != info.Lineage {
				t.Fatalf("second install: %+v, %v", again, err)
			}
		})
	}
}

// Rows written between chunks are captured by their triggers: moved
// behind the keyset position, deleted before their chunk, new, updated
// after their chunk. A deleted row gets no upsert after its delete.
func TestCaptureFollowsWritesBetweenChunks(t *testing.T) {
	d := openTestDB(t, "")
	fill(t, d, 60)
	order := rowKeys(t, d, `SELECT episode_id FROM episodes ORDER BY start_time DESC, episode_id`)
	first, moved, deleted := order[0], order[len(order)-1], order[len(order)-2]
	var at uint64
	d.capture.rows = 5
	d.capture.afterChunk = func() error {
		if at != 0 {
			return nil
		}
		var err error
		if at, err = d.Head(t.Context()); err != nil {
			return err
		}
		mustExec(t, d, `UPDATE episodes SET start_time = 99999 WHERE episode_id = ?`, moved) // behind the position
		mustExec(t, d, `DELETE FROM episodes WHERE episode_id = ?`, deleted)
		putEpisode(t, d, "ep-new", 0) // ahead of the position: trigger and chunk
		putEpisode(t, d, first, 1)    // already captured, replaced and moved ahead
		return nil
	}
	if _, err := d.Install(t.Context()); err != nil {
		t.Fatal(err)
	}
	allDescribed(t, d, 0)
	newest := map[string]change{}
	for _, c := range changes(t, d) {
		if c.entity == "episode" && c.id > int64(at) {
			newest[c.entID] = c
		}
	}
	for id, op := range map[string]string{moved: "upsert", deleted: "delete", "ep-new": "upsert", first: "upsert"} {
		if c, ok := newest["'"+id+"'"]; !ok || c.op != op {
			t.Errorf("%s: newest change above %d is %+v, want a %s", id, at, c, op)
		}
	}
}

var errCrash = errors.New("killed between chunks")

// A capture stopped between chunks (the process died) is resumed by the
// next Install from its recorded progress: every row captured exactly once
// (bootstrap) or above the head before it (re-snapshot), one lineage.
func TestCaptureResumesAfterCrash(t *testing.T) {
	for _, kind := range []string{captureBootstrap, captureResnapshot} {
		t.Run(kind, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "memory.db")
			d := openTestDB(t, path)
			fill(t, d, 50)
			addOddRows(t, d)
			total := int64(len(wantOrder(t, d)))
			first, err := Info{}, error(nil)
			if kind == captureResnapshot {
				if first, err = d.Install(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			chunks := 0
			d.capture.rows = 4
			d.capture.afterChunk = func() error {
				if chunks++; chunks == 3 {
					return errCrash
				}
				return nil
			}
			var before uint64
			if kind == captureBootstrap {
				first, err = d.Install(t.Context())
			} else {
				before, _, err = d.Resnapshot(t.Context())
			}
			if !errors.Is(err, errCrash) || !captureLeft(t, d) {
				t.Fatalf("interrupted capture: %v, progress left %v", err, captureLeft(t, d))
			}
			d.Close()
			restarted := openTestDB(t, path)
			info, err := restarted.Install(t.Context())
			if err != nil || info.Created || info.Lineage != first.Lineage || captureLeft(t, restarted) {
				t.Fatalf("resumed install: %+v, %v (first lineage %s)", info, err, first.Lineage)
			}
			if got := int64(3*4) + info.Bootstrapped; got != total {
				t.Fatalf("captured %d rows before the crash and after it, want %d", got, total)
			}
			allDescribed(t, restarted, before)
			seen := map[string]bool{}
			for _, c := range changes(t, restarted) {
				k := c.entity + c.entID
				if c.id > int64(before) && seen[k] {
					t.Fatalf("%s captured twice above %d", k, before)
				}
				seen[k] = c.id > int64(before)
			}
		})
	}
}

// Two installers racing: one creates the lineage and plans the bootstrap,
// both may run chunks of that one plan, every row is captured once.
func TestConcurrentInstallersBootstrapOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "memory.db")
	seedDB := openTestDB(t, path)
	fill(t, seedDB, 300)
	total := int64(len(wantOrder(t, seedDB)))
	infos := make([]Info, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range infos {
		d := openTestDB(t, path)
		d.capture.rows = 7
		wg.Go(func() { infos[i], errs[i] = d.Install(t.Context()) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if infos[0].Created == infos[1].Created || infos[0].Lineage != infos[1].Lineage {
		t.Fatalf("installers: %+v and %+v: want exactly one created, one lineage", infos[0], infos[1])
	}
	if got := infos[0].Bootstrapped + infos[1].Bootstrapped; got != total {
		t.Fatalf("the installers captured %d rows together, want %d", got, total)
	}
	seen := map[string]bool{}
	for _, c := range changes(t, seedDB) {
		if seen[c.entity+c.entID] {
			t.Fatalf("%s %s captured twice", c.entity, c.entID)
		}
		seen[c.entity+c.entID] = true
	}
}

func TestResnapshotReturnsTheHeadBefore(t *testing.T) {
	d := openTestDB(t, "")
	fill(t, d, 30)
	if _, err := d.Install(t.Context()); err != nil {
		t.Fatal(err)
	}
	head, err := d.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	d.capture.rows = 4
	before, rows, err := d.Resnapshot(t.Context())
	if err != nil || before != head || rows != int64(len(wantOrder(t, d))) || captureLeft(t, d) {
		t.Fatalf("resnapshot: before %d (head was %d), %d rows, %v", before, head, rows, err)
	}
	allDescribed(t, d, before)
}

// A foreign schema may let an id be NULL (a TEXT PRIMARY KEY without NOT
// NULL): such rows are captured too (by rowid), to be dead-lettered.
func TestBootstrapCapturesNullIDs(t *testing.T) {
	d, err := Open(t.Context(), "file:"+filepath.Join(t.TempDir(), "memory.db"), "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	mustExec(t, d, `CREATE TABLE episodes (episode_id TEXT PRIMARY KEY, task_type TEXT, task_description TEXT, context TEXT,
  start_time INTEGER, end_time INTEGER, steps TEXT, outcome TEXT, reward TEXT, reflection TEXT, patterns TEXT,
  heuristics TEXT, checkpoints TEXT, metadata TEXT, domain TEXT, language TEXT, created_at INTEGER, archived_at INTEGER)`)
	for i, id := range []any{"ep-a", nil, "ep-b", nil} {
		mustExec(t, d, `INSERT INTO episodes (episode_id, start_time) VALUES (?, ?)`, id, i)
	}
	d.capture.rows = 1
	info, err := d.Install(t.Context())
	if err != nil || info.Bootstrapped != 4 {
		t.Fatalf("install: %+v, %v", info, err)
	}
	var got []string
	for _, c := range changes(t, d) {
		got = append(got, c.entID)
	}
	if want := []string{"'ep-b'", "'ep-a'", "NULL", "NULL"}; !slices.Equal(got, want) {
		t.Fatalf("captured %v, want %v", got, want)
	}
}
