package turso

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// SchemaVersion is the version of memsync's own objects in the database.
const SchemaVersion = "1"

// tableDDL creates the synced tables exactly as rust-self-learning-memory does.
var tableDDL = []string{
	`CREATE TABLE IF NOT EXISTS episodes (
    episode_id TEXT PRIMARY KEY NOT NULL, task_type TEXT NOT NULL,
    task_description TEXT NOT NULL, context TEXT NOT NULL,
    start_time INTEGER NOT NULL, end_time INTEGER,
    steps TEXT NOT NULL, outcome TEXT, reward TEXT, reflection TEXT,
    patterns TEXT NOT NULL, heuristics TEXT NOT NULL DEFAULT '[]',
    checkpoints TEXT NOT NULL DEFAULT '[]', metadata TEXT NOT NULL,
    domain TEXT NOT NULL, language TEXT,
    created_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')), archived_at INTEGER)`,
	`CREATE TABLE IF NOT EXISTS patterns (
    pattern_id TEXT PRIMARY KEY NOT NULL, pattern_type TEXT NOT NULL,
    pattern_data TEXT NOT NULL, success_rate REAL NOT NULL,
    context_domain TEXT, context_language TEXT, context_tags TEXT,
    occurrence_count INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')),
    updated_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')))`,
	`CREATE TABLE IF NOT EXISTS embeddings (
    embedding_id TEXT PRIMARY KEY NOT NULL, item_id TEXT NOT NULL,
    item_type TEXT NOT NULL,
    embedding_data TEXT NOT NULL,
    embedding_vector F32_BLOB(384), dimension INTEGER NOT NULL, model TEXT NOT NULL,
    created_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')))`,
	`CREATE INDEX IF NOT EXISTS idx_embeddings_item ON embeddings(item_id, item_type)`,
	`CREATE INDEX IF NOT EXISTS idx_episodes_start_time ON episodes(start_time DESC)`,
}

// CreateTables creates the synced tables if missing (used by seed and tests).
func (d *DB) CreateTables(ctx context.Context) error {
	for _, q := range tableDDL {
		if _, err := d.sql.ExecContext(ctx, q); err != nil {
			return d.classify(fmt.Errorf("create tables: %w", err))
		}
	}
	return nil
}

// memsync's own objects. entity_id is nullable on purpose: a database
// written by a foreign schema may let an id be NULL, and a capture trigger
// must never make an agent's write fail; such changes are dead-lettered.
// INVARIANT 1 (capture side): AUTOINCREMENT keeps
// change_ids strictly increasing even after pruning, so a cursor never
// skips a reused id.
var ownDDL = []string{
	`CREATE TABLE IF NOT EXISTS memsync_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS memsync_changelog (
    change_id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL, entity_id TEXT, op TEXT NOT NULL,
    changed_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')))`,
	`CREATE INDEX IF NOT EXISTS memsync_changelog_entity ON memsync_changelog(entity, entity_id)`,
}

type captured struct{ table, entity, idCol string }

var capturedTables = []captured{
	{"episodes", "episode", "episode_id"},
	{"patterns", "pattern", "pattern_id"},
	{"embeddings", "embedding", "embedding_id"},
}

func triggerDDL(c captured) []string {
	ins := func(op, col string) string {
		return fmt.Sprintf("INSERT INTO memsync_changelog(entity, entity_id, op) VALUES ('%s', %s, '%s');", c.entity, col, op)
	}
	return []string{
		fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS memsync_%s_ins AFTER INSERT ON %s BEGIN %s END`, c.table, c.table, ins("upsert", "NEW."+c.idCol)),
		fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS memsync_%s_upd AFTER UPDATE ON %s BEGIN
  INSERT INTO memsync_changelog(entity, entity_id, op) SELECT '%s', OLD.%s, 'delete' WHERE OLD.%s IS NOT NEW.%s;
  %s END`, c.table, c.table, c.entity, c.idCol, c.idCol, c.idCol, ins("upsert", "NEW."+c.idCol)),
		fmt.Sprintf(`CREATE TRIGGER IF NOT EXISTS memsync_%s_del AFTER DELETE ON %s BEGIN %s END`, c.table, c.table, ins("delete", "OLD."+c.idCol)),
	}
}

// Info describes an installed database.
type Info struct {
	Lineage      string
	Bootstrapped int64 // rows captured by this call's bootstrap (0 if already installed)
}

// Install creates the synced tables if missing and memsync's objects, and on
// first install captures every existing row into the change log, all in one
// IMMEDIATE transaction so that exactly one installer bootstraps. It is
// idempotent.
func (d *DB) Install(ctx context.Context) (Info, error) {
	if err := d.CreateTables(ctx); err != nil {
		return Info{}, err
	}
	var info Info
	err := d.immediate(ctx, func(c *sql.Conn) error {
		var err error
		info, err = installTx(ctx, c)
		return err
	})
	return info, d.classify(err)
}

func installTx(ctx context.Context, c *sql.Conn) (Info, error) {
	for _, q := range ownDDL {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return Info{}, fmt.Errorf("install: %w", err)
		}
	}
	lineage, err := metaValue(ctx, c, "lineage")
	if err == nil {
		return Info{Lineage: lineage}, installTriggers(ctx, c)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Info{}, err
	}
	return firstInstall(ctx, c)
}

func firstInstall(ctx context.Context, c *sql.Conn) (Info, error) {
	info := Info{Lineage: newLineage()}
	for _, kv := range [][2]string{{"lineage", info.Lineage}, {"schema_version", SchemaVersion}} {
		if _, err := c.ExecContext(ctx, `INSERT INTO memsync_meta(key, value) VALUES (?, ?)`, kv[0], kv[1]); err != nil {
			return info, fmt.Errorf("install meta: %w", err)
		}
	}
	if err := installTriggers(ctx, c); err != nil {
		return info, err
	}
	n, err := bootstrap(ctx, c)
	info.Bootstrapped = n
	return info, err
}

func installTriggers(ctx context.Context, c *sql.Conn) error {
	for _, t := range capturedTables {
		for _, q := range triggerDDL(t) {
			if _, err := c.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("install triggers on %s: %w", t.table, err)
			}
		}
	}
	return nil
}

// bootstrap captures every existing row, owners before embeddings, episodes
// most recent first: a fresh cache fills its window with the first N and
// never has to evict while it builds.
func bootstrap(ctx context.Context, c *sql.Conn) (int64, error) {
	qs := []string{
		`INSERT INTO memsync_changelog(entity, entity_id, op) SELECT 'episode', episode_id, 'upsert' FROM episodes ORDER BY start_time DESC, episode_id`,
		`INSERT INTO memsync_changelog(entity, entity_id, op) SELECT 'pattern', pattern_id, 'upsert' FROM patterns ORDER BY pattern_id`,
		`INSERT INTO memsync_changelog(entity, entity_id, op) SELECT 'embedding', embedding_id, 'upsert' FROM embeddings ORDER BY embedding_id`,
	}
	var total int64
	for _, q := range qs {
		res, err := c.ExecContext(ctx, q)
		if err != nil {
			return total, fmt.Errorf("bootstrap: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

func metaValue(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, key string) (string, error) {
	var v []byte
	err := q.QueryRowContext(ctx, `SELECT CAST(value AS BLOB) FROM memsync_meta WHERE key = ?`, key).Scan(&v)
	return string(v), err
}

// Lineage returns the database identity, or ErrNotInstalled.
func (d *DB) Lineage(ctx context.Context) (string, error) {
	v, err := metaValue(ctx, d.sql, "lineage")
	if errors.Is(err, sql.ErrNoRows) || (err != nil && isNoTable(err)) {
		return "", ErrNotInstalled
	}
	return v, d.classify(err)
}

func isNoTable(err error) bool {
	return err != nil && strings.Contains(err.Error(), "no such table")
}

func newLineage() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// immediate runs fn inside BEGIN IMMEDIATE on one connection.
func (d *DB) immediate(ctx context.Context, fn func(*sql.Conn) error) error {
	c, err := d.sql.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	if err := fn(c); err != nil {
		_, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	_, err = c.ExecContext(ctx, "COMMIT")
	return err
}

// Resnapshot captures every current row into the change log again (new
// change_ids above the head) and returns the head before it. A publisher
// whose stream lost changes that the log no longer holds resumes from that
// head: the new rows re-describe the whole current state.
func (d *DB) Resnapshot(ctx context.Context) (before uint64, rows int64, err error) {
	err = d.immediate(ctx, func(c *sql.Conn) error {
		if before, err = Head(ctx, c); err != nil {
			return err
		}
		rows, err = bootstrap(ctx, c)
		return err
	})
	return before, rows, d.classify(err)
}
