package turso

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// A lineage names one history of change_ids. A database gets one when
// memsync is installed; a database restored to an earlier point gets a new
// one (ForkLineage), because the change_ids written after the restore
// describe other changes than the ones the stream already holds for them.

// LineageIn reads the lineage inside a transaction (the changefeed does it
// in every poll's snapshot: one primary-key lookup). A database without
// memsync's objects gives ErrNotInstalled.
func LineageIn(ctx context.Context, q rowQuerier) (string, error) {
	v, err := metaValue(ctx, q, "lineage")
	if errors.Is(err, sql.ErrNoRows) || isNoTable(err) {
		return "", ErrNotInstalled
	}
	if err != nil {
		return "", fmt.Errorf("read lineage: %w", err)
	}
	return v, nil
}

// ForkLineage starts a new lineage when the database still has lineage
// from and its change-log head is below cursor (the stream's cursor: the
// database was restored to a point before changes that were published).
// It returns the database's lineage afterwards: the new one, or the one
// another process forked to first, or from unchanged when the condition
// no longer holds. The check and the update are one IMMEDIATE transaction.
func (d *DB) ForkLineage(ctx context.Context, from string, cursor uint64) (string, error) {
	var now string
	err := d.immediate(ctx, func(c *sql.Conn) error {
		var err error
		if now, err = LineageIn(ctx, c); err != nil || now != from {
			return err
		}
		head, err := Head(ctx, c)
		if err != nil || head >= cursor {
			return err
		}
		now = newLineage()
		_, err = c.ExecContext(ctx, `UPDATE memsync_meta SET value = ? WHERE key = 'lineage'`, now)
		return err
	})
	return now, d.classify(err)
}

// HeadAndLineage reads the change-log head and the lineage in one
// statement (one round trip to a remote database), inside a snapshot.
func HeadAndLineage(ctx context.Context, q rowQuerier) (uint64, string, error) {
	var lineage []byte
	var head sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT CAST((SELECT value FROM memsync_meta WHERE key = 'lineage') AS BLOB),
  (SELECT seq FROM sqlite_sequence WHERE name = 'memsync_changelog')`).Scan(&lineage, &head)
	if isNoTable(err) || (err == nil && lineage == nil) {
		return 0, "", ErrNotInstalled
	}
	if err != nil {
		return 0, "", fmt.Errorf("read head and lineage: %w", err)
	}
	return uint64(head.Int64), string(lineage), nil
}
