package turso

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Info describes an installed database.
type Info struct {
	Lineage string
	// Created: this call installed memsync (it created the lineage and
	// planned the bootstrap). Exactly one of concurrent installers is.
	Created bool
	// Bootstrapped counts the rows this call captured: its own bootstrap,
	// or its share of a capture it resumed or helped (0 if none was due).
	Bootstrapped int64
	Capture      CaptureStats
}

// Install creates the synced tables if missing and memsync's objects, and
// on first install captures every existing row into the change log. It is
// idempotent, and returns only when no capture is left unfinished.
//
// INVARIANT 1.8 (bootstrap): the first, short IMMEDIATE transaction creates
// the change log, the capture triggers, the lineage and the capture plan
// together, so every write committed after it fires a trigger, and the
// plan exists exactly when the lineage does. Only then are the existing
// rows captured, in chunks (capture.go) that never hold the write lock for
// long: agents' writes come first. A capture left unfinished (a crash, an
// error) is resumed by the next Install from the progress recorded in
// memsync_meta with each chunk.
func (d *DB) Install(ctx context.Context) (Info, error) {
	if err := d.CreateTables(ctx); err != nil {
		return Info{}, err
	}
	var info Info
	err := d.immediate(ctx, func(c *sql.Conn) error {
		var err error
		info, err = installTx(ctx, c, time.Now())
		return err
	})
	if err != nil {
		return info, d.classify(err)
	}
	info.Capture, err = d.runCapture(ctx)
	info.Bootstrapped = info.Capture.Rows
	return info, d.classify(err)
}

func installTx(ctx context.Context, c *sql.Conn, now time.Time) (Info, error) {
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
	return firstInstall(ctx, c, now)
}

// firstInstall runs in the transaction that found no lineage: under BEGIN
// IMMEDIATE only one installer can, so exactly one creates the lineage and
// plans the bootstrap; any other installer finds both and, at most, helps
// run the same plan chunk by chunk.
func firstInstall(ctx context.Context, c *sql.Conn, now time.Time) (Info, error) {
	info := Info{Lineage: newLineage(), Created: true}
	meta := [][2]string{{"lineage", info.Lineage}, {"schema_version", SchemaVersion},
		{"installed_at", strconv.FormatInt(now.UnixMilli(), 10)}}
	for _, kv := range meta {
		if _, err := c.ExecContext(ctx, `INSERT INTO memsync_meta(key, value) VALUES (?, ?)`, kv[0], kv[1]); err != nil {
			return info, fmt.Errorf("install meta: %w", err)
		}
	}
	if err := installTriggers(ctx, c); err != nil {
		return info, err
	}
	return info, saveCapture(ctx, c, newCapture(captureBootstrap, 0, now))
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

// Resnapshot captures every current row into the change log again (new
// change_ids above the head) and returns the head before it. A publisher
// whose stream lost changes that the log no longer holds resumes from that
// head: the new rows re-describe the whole current state.
//
// INVARIANT 1.8 (re-snapshot): the head is read and the capture planned in
// one short IMMEDIATE transaction; the triggers are already installed, so
// every row written after it has a change above the head, and every row
// left untouched is captured by a chunk, also above the head. A new plan
// replaces an unfinished one (it re-captures everything, so nothing the
// old plan still owed is lost), and this call returns only when the
// capture is complete.
func (d *DB) Resnapshot(ctx context.Context) (before uint64, rows int64, err error) {
	before, st, err := d.resnapshot(ctx)
	return before, st.Rows, err
}

func (d *DB) resnapshot(ctx context.Context) (before uint64, st CaptureStats, err error) {
	err = d.immediate(ctx, func(c *sql.Conn) error {
		if before, err = Head(ctx, c); err != nil {
			return err
		}
		return saveCapture(ctx, c, newCapture(captureResnapshot, before, time.Now()))
	})
	if err != nil {
		return before, st, d.classify(err)
	}
	st, err = d.runCapture(ctx)
	return before, st, d.classify(err)
}
