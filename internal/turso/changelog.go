package turso

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/memsync/memsync/protocol"
)

// Change is one change-log row.
type Change struct {
	ID       uint64
	Entity   protocol.Entity
	EntityID string
	NullID   bool // the row's id was NULL (a foreign schema)
}

// Snapshot runs fn inside one read transaction: everything it reads is one
// consistent state of the database.
func (d *DB) Snapshot(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return d.classify(err)
	}
	defer tx.Rollback()
	return d.classify(fn(tx))
}

// ChangesAfter reads up to limit change-log rows with change_id > cursor.
func ChangesAfter(ctx context.Context, q querier, cursor uint64, limit int) ([]Change, error) {
	rows, err := q.QueryContext(ctx, `SELECT change_id, CAST(entity AS BLOB), CAST(entity_id AS BLOB)
  FROM memsync_changelog WHERE change_id > ? ORDER BY change_id LIMIT ?`, int64(cursor), limit)
	if err != nil {
		return nil, fmt.Errorf("read change log: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var ent, id []byte
		if err := rows.Scan(&c.ID, &ent, &id); err != nil {
			return nil, fmt.Errorf("scan change log: %w", err)
		}
		c.Entity, c.EntityID, c.NullID = protocol.Entity(ent), string(id), id == nil
		out = append(out, c)
	}
	return out, rows.Err()
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// Head is the highest change_id ever assigned (AUTOINCREMENT's high-water
// mark, which survives pruning).
func Head(ctx context.Context, q rowQuerier) (uint64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'memsync_changelog'`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) || isNoTable(err) {
		return 0, nil
	}
	return uint64(n), err
}

// Head returns the change-log head outside a snapshot.
func (d *DB) Head(ctx context.Context) (uint64, error) {
	h, err := Head(ctx, d.sql)
	return h, d.classify(err)
}

// OldestChange is the smallest change_id still in the log (0 if empty).
func (d *DB) OldestChange(ctx context.Context) (uint64, error) {
	var n sql.NullInt64
	err := d.sql.QueryRowContext(ctx, `SELECT MIN(change_id) FROM memsync_changelog`).Scan(&n)
	if isNoTable(err) {
		return 0, nil
	}
	return uint64(n.Int64), d.classify(err)
}

// EntityKey names one entity: its kind and its id, byte for byte.
type EntityKey struct {
	Entity protocol.Entity
	ID     string
}

// VersionsAfter returns the newest change_id above after of each wanted
// entity that has one (an entity absent from the map has none). It reads
// the log above after once, along the primary key: the log has no
// per-entity index, which would add a page to every agent's commit.
func (d *DB) VersionsAfter(ctx context.Context, after uint64, want []EntityKey) (map[EntityKey]uint64, error) {
	out := make(map[EntityKey]uint64, len(want))
	if len(want) == 0 {
		return out, nil
	}
	wanted := make(map[EntityKey]bool, len(want))
	for _, k := range want {
		wanted[k] = true
	}
	rows, err := d.sql.QueryContext(ctx, `SELECT change_id, CAST(entity AS BLOB), CAST(entity_id AS BLOB)
  FROM memsync_changelog WHERE change_id > ?`, int64(after))
	if isNoTable(err) {
		return out, nil
	}
	if err != nil {
		return nil, d.classify(fmt.Errorf("read change-log versions: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		var v uint64
		var ent, id []byte
		if err := rows.Scan(&v, &ent, &id); err != nil {
			return nil, d.classify(fmt.Errorf("scan change-log versions: %w", err))
		}
		if k := (EntityKey{protocol.Entity(ent), string(id)}); id != nil && wanted[k] && v > out[k] {
			out[k] = v
		}
	}
	return out, d.classify(rows.Err())
}

// PruneChunkRows is the most change-log rows one PruneChunk deletes.
const PruneChunkRows = 2000

// Prune deletes every change-log row with change_id <= upTo, chunk after
// chunk (PruneChunk), so that agents writing concurrently wait at most one
// chunk for the write lock. The changefeed prunes one chunk per step
// instead (changefeed/prune.go): a backlog of millions of rows would hold
// its loop for a minute.
func (d *DB) Prune(ctx context.Context, upTo uint64) (int64, error) {
	var total int64
	for {
		n, err := d.PruneChunk(ctx, upTo)
		total += n
		if err != nil || n < PruneChunkRows {
			return total, err
		}
	}
}

// PruneChunk deletes the oldest change-log rows with change_id <= upTo, at
// most PruneChunkRows of them, in one transaction; fewer than
// PruneChunkRows deleted means none is left at or below upTo.
func (d *DB) PruneChunk(ctx context.Context, upTo uint64) (int64, error) {
	res, err := d.sql.ExecContext(ctx, `DELETE FROM memsync_changelog WHERE change_id IN
  (SELECT change_id FROM memsync_changelog WHERE change_id <= ? ORDER BY change_id LIMIT `+strconv.Itoa(PruneChunkRows)+`)`, int64(upTo))
	if err != nil {
		return 0, d.classify(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// RecentEpisodeIDs returns the ids of the n most recent episodes
// (start_time DESC, episode_id ASC); n == 0 means all.
func (d *DB) RecentEpisodeIDs(ctx context.Context, n int) ([]string, error) {
	q := `SELECT CAST(episode_id AS BLOB) FROM episodes ORDER BY start_time DESC, episode_id ASC`
	if n > 0 {
		q += fmt.Sprintf(" LIMIT %d", n)
	}
	rows, err := d.sql.QueryContext(ctx, q)
	if err != nil {
		return nil, d.classify(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, string(id))
	}
	return ids, d.classify(rows.Err())
}

// Count counts the rows of a kind.
func (d *DB) Count(ctx context.Context, e protocol.Entity) (int, error) {
	var n int
	err := d.sql.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+tableOf[e]).Scan(&n)
	return n, d.classify(err)
}

var tableOf = map[protocol.Entity]string{
	protocol.EntityEpisode: "episodes", protocol.EntityPattern: "patterns", protocol.EntityEmbedding: "embeddings",
}

// Recapture records a new change for an entity so the changefeed reads and
// publishes its current row again (dead-letter retry: Turso wins).
func (d *DB) Recapture(ctx context.Context, e protocol.Entity, id string) error {
	_, err := d.sql.ExecContext(ctx, `INSERT INTO memsync_changelog(entity, entity_id, op) VALUES (?, `+idParam+`, 'retry')`, string(e), idArg(id))
	return d.classify(err)
}
