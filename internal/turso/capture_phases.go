package turso

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
)

// A capture goes through the synced tables owners first (episodes, most
// recent first: a fresh cache fills its window with the first N and never
// evicts while it builds; then patterns; then embeddings). Each table has
// two phases: its well-formed rows, paged by keyset in the table's order
// through an index, then the rows the keyset cannot page (a non-integer
// start_time, or an id that is not TEXT: NULL, BLOB, a number), which a
// foreign writer may leave and which must still be captured (they are
// dead-lettered with their reason downstream).
type capturePhase struct {
	captured
	odd bool
}

var capturePhases = func() []capturePhase {
	var out []capturePhase
	for _, t := range capturedTables {
		out = append(out, capturePhase{t, false}, capturePhase{t, true})
	}
	return out
}()

func (p capturePhase) episodes() bool { return p.table == "episodes" }

// wellFormed selects the rows the keyset pages through.
func (p capturePhase) wellFormed() string {
	w := "typeof(" + p.idCol + ") = 'text'"
	if p.episodes() {
		w = "typeof(start_time) = 'integer' AND " + w
	}
	return w
}

func (p capturePhase) insertSelect() string {
	return fmt.Sprintf(`INSERT INTO memsync_changelog(entity, entity_id, op) SELECT '%s', %s, 'upsert' FROM %s WHERE `,
		p.entity, p.idCol, p.table)
}

// keysetChunk captures up to limit well-formed rows after the position in
// s (none yet: from the start) and moves the position to the last one.
// Episodes go by (start_time DESC, episode_id), through the start_time
// index; the others by id, through the primary key.
func (p capturePhase) keysetChunk(ctx context.Context, c *sql.Conn, s *captureState, limit int) (int64, error) {
	q, args := p.insertSelect()+p.wellFormed(), []any{}
	if s.Moved {
		id, err := hex.DecodeString(s.ID)
		if err != nil {
			return 0, fmt.Errorf("%w: position id %q", ErrBadCapture, s.ID)
		}
		if p.episodes() {
			q += ` AND start_time <= ? AND NOT (start_time = ? AND episode_id <= CAST(? AS TEXT))`
			args = append(args, s.Time, s.Time, id)
		} else {
			q += " AND " + p.idCol + " > CAST(? AS TEXT)"
			args = append(args, id)
		}
	}
	order := " ORDER BY " + p.idCol
	if p.episodes() {
		order = " ORDER BY start_time DESC, episode_id"
	}
	res, err := c.ExecContext(ctx, q+order+" LIMIT ?", append(args, limit)...)
	if err != nil {
		return 0, fmt.Errorf("capture %s: %w", p.table, err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return 0, nil
	}
	prev := *s
	if err := p.lastPosition(ctx, c, s); err != nil {
		return 0, err
	}
	if prev.Moved && !p.after(*s, prev) { // a foreign schema without a unique id could do that: never loop
		return 0, fmt.Errorf("%w: %s position did not advance past %s", ErrBadCapture, p.table, prev.ID)
	}
	return n, nil
}

// after reports whether position a comes after b in the phase's order.
func (p capturePhase) after(a, b captureState) bool {
	if p.episodes() && a.Time != b.Time {
		return a.Time < b.Time
	}
	x, _ := hex.DecodeString(a.ID)
	y, _ := hex.DecodeString(b.ID)
	return bytes.Compare(x, y) > 0
}

// lastPosition reads the key of the row captured last: the change-log row
// at the head, since the chunk holds the write lock and AUTOINCREMENT
// numbers rows in the order INSERT ... SELECT inserts them.
func (p capturePhase) lastPosition(ctx context.Context, c *sql.Conn, s *captureState) error {
	var id []byte
	var t int64
	const head = `(SELECT seq FROM sqlite_sequence WHERE name = 'memsync_changelog')`
	var err error
	if p.episodes() {
		err = c.QueryRowContext(ctx, `SELECT e.start_time, CAST(e.episode_id AS BLOB) FROM memsync_changelog l
  JOIN episodes e ON e.episode_id = l.entity_id WHERE l.change_id = `+head).Scan(&t, &id)
	} else {
		err = c.QueryRowContext(ctx, `SELECT CAST(entity_id AS BLOB) FROM memsync_changelog WHERE change_id = `+head).Scan(&id)
	}
	if err != nil {
		return fmt.Errorf("capture %s: read position: %w", p.table, err)
	}
	s.Moved, s.Time, s.ID = true, t, hex.EncodeToString(id)
	return nil
}

// oddQuery finds the rows the keyset skips, through covering index scans
// (the start_time index and the primary key's), never the table itself.
func (p capturePhase) oddQuery() string {
	q := fmt.Sprintf("SELECT rowid FROM %s WHERE typeof(%s) != 'text'", p.table, p.idCol)
	if p.episodes() {
		q = "SELECT rowid FROM episodes WHERE typeof(start_time) != 'integer' UNION " + q
	}
	return q
}

// oddRows holds the rowids of the odd rows of every table, found in one
// read snapshot taken after the capture was planned (outside any write
// lock). A row that is odd there and left untouched is captured by its
// rowid; a row written after it has its trigger's change; a rowid reused
// by another row captures that row again: a harmless duplicate.
type oddRows struct {
	nonce string
	rows  map[string][]int64 // table -> rowids, ascending
}

// ensure discovers the odd rows for the capture with nonce, once.
func (o *oddRows) ensure(ctx context.Context, d *DB, nonce string) error {
	if o.nonce == nonce {
		return nil
	}
	found := map[string][]int64{}
	err := d.Snapshot(ctx, func(tx *sql.Tx) error {
		for _, p := range capturePhases {
			if !p.odd {
				continue
			}
			ids, err := queryInts(ctx, tx, p.oddQuery())
			if err != nil {
				return fmt.Errorf("capture %s: find odd rows: %w", p.table, err)
			}
			slices.Sort(ids)
			found[p.table] = ids
		}
		return nil
	})
	if err == nil {
		o.nonce, o.rows = nonce, found
	}
	return err
}

// oddChunk captures the next (up to limit) odd rows after the position in
// s; used counts the rowids it went through (some may be gone), more
// reports whether any are left.
func (p capturePhase) oddChunk(ctx context.Context, c *sql.Conn, s *captureState, limit int, o *oddRows) (n int64, used int, more bool, err error) {
	all := o.rows[p.table]
	i, _ := slices.BinarySearch(all, s.Rowid+1)
	if !s.Moved {
		i = 0
	}
	take := all[i:min(i+limit, len(all))]
	if len(take) == 0 {
		return 0, 0, false, nil
	}
	list, _ := json.Marshal(take)
	res, err := c.ExecContext(ctx, p.insertSelect()+"rowid IN (SELECT value FROM json_each(?)) ORDER BY rowid", string(list))
	if err != nil {
		return 0, 0, false, fmt.Errorf("capture %s (odd rows): %w", p.table, err)
	}
	n, _ = res.RowsAffected()
	s.Moved, s.Rowid = true, take[len(take)-1]
	return n, len(take), i+len(take) < len(all), nil
}

func queryInts(ctx context.Context, q querier, query string) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
