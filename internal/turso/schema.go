package turso

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
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
	// Versions before 2026-12-03 created an (entity, entity_id) index on
	// the log; it cost every agent commit another page (p50 1.30x ->
	// 1.10x of a plain write, BenchmarkAgentWrite) and only validation
	// used it (VersionsAfter reads the log's key range instead).
	`DROP INDEX IF EXISTS ` + formerEntityIndex,
}

// formerEntityIndex is the change log's index that earlier versions
// created; Install drops it, Uninstall too if it is still there.
const formerEntityIndex = "memsync_changelog_entity"

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
	_, err := d.immediateHeld(ctx, fn)
	return err
}

// immediateHeld is immediate that also reports how long the write lock
// was held (from BEGIN IMMEDIATE's success to COMMIT's return).
func (d *DB) immediateHeld(ctx context.Context, fn func(*sql.Conn) error) (time.Duration, error) {
	c, err := d.sql.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if _, err := c.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return 0, err
	}
	start := time.Now()
	if err := fn(c); err != nil {
		_, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return time.Since(start), err
	}
	if _, err = c.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	}
	return time.Since(start), err
}
