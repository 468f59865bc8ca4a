package turso

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

const (
	// LiveWindow: a changefeed that published (or a capture that advanced)
	// this recently counts as live; uninstall refuses without force.
	LiveWindow = 5 * time.Minute
	// StaleFeedAfter: status warns when the change log has grown and no
	// changefeed has published for this long.
	StaleFeedAfter = time.Hour
)

// Liveness is the evidence of a changefeed at work that the database holds.
type Liveness struct {
	Installed       bool
	InstalledAt     time.Time // zero: installed before memsync recorded it
	LastPublishedAt time.Time // zero: no publish recorded
	PublishedCursor uint64
	Head            uint64
	OldestChangeAt  time.Time // zero: the change log is empty
	Capture         *CaptureProgress
}

// CaptureProgress is a bootstrap or re-snapshot not finished yet.
type CaptureProgress struct {
	Kind  string    `json:"kind"`
	Table string    `json:"table"`
	Rows  int64     `json:"rows"`
	At    time.Time `json:"at"` // when it last advanced
}

// ReadLiveness reads the evidence in one read transaction. A database
// without memsync's objects gives a zero Liveness (Installed false).
func (d *DB) ReadLiveness(ctx context.Context) (Liveness, error) {
	var l Liveness
	err := d.Snapshot(ctx, func(tx *sql.Tx) error {
		var err error
		l, err = readLiveness(ctx, tx)
		return err
	})
	return l, err
}

type metaQuerier interface {
	querier
	rowQuerier
}

func readLiveness(ctx context.Context, q metaQuerier) (Liveness, error) {
	meta, err := metaAll(ctx, q)
	if isNoTable(err) {
		return Liveness{}, nil
	}
	if err != nil {
		return Liveness{}, err
	}
	l := Liveness{Installed: meta["lineage"] != ""}
	l.InstalledAt = msTime(meta["installed_at"])
	l.LastPublishedAt = msTime(meta[keyPublishedAt])
	l.PublishedCursor, _ = strconv.ParseUint(meta[keyPublishedCursor], 10, 64)
	if st, ok, err := loadCapture(ctx, q); err == nil && ok {
		l.Capture = &CaptureProgress{Kind: st.Kind, Table: phaseTable(st.Phase), Rows: st.Rows, At: time.UnixMilli(st.AtMs)}
	}
	if l.Head, err = Head(ctx, q); err != nil {
		return l, err
	}
	var oldest sql.NullInt64
	err = q.QueryRowContext(ctx, `SELECT changed_at FROM memsync_changelog ORDER BY change_id LIMIT 1`).Scan(&oldest)
	if err != nil && !errors.Is(err, sql.ErrNoRows) && !isNoTable(err) {
		return l, fmt.Errorf("read oldest change: %w", err)
	}
	if oldest.Valid {
		l.OldestChangeAt = time.Unix(oldest.Int64, 0)
	}
	return l, nil
}

func metaAll(ctx context.Context, q querier) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT CAST(key AS BLOB), CAST(value AS BLOB) FROM memsync_meta`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[string(k)] = string(v)
	}
	return out, rows.Err()
}

func msTime(v string) time.Time {
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func phaseTable(i int) string {
	if i < 0 || i >= len(capturePhases) {
		return ""
	}
	return capturePhases[i].table
}

// LiveEvidence describes why a changefeed counts as live at now (a
// publish or a capture's progress within LiveWindow); "" when none does.
func (l Liveness) LiveEvidence(now time.Time) string {
	if p := l.LastPublishedAt; !p.IsZero() && now.Sub(p) < LiveWindow {
		return fmt.Sprintf("a changefeed published %s ago (last_published_at %s)", ago(now, p), p.UTC().Format(time.RFC3339))
	}
	if c := l.Capture; c != nil && now.Sub(c.At) < LiveWindow {
		return fmt.Sprintf("a %s capture advanced %s ago (%d rows, at %s)", c.Kind, ago(now, c.At), c.Rows, c.Table)
	}
	return ""
}

// Warnings are the problems status reports at now: the change log has
// grown since the last publish (or holds changes while none was ever
// recorded) and no changefeed has published for StaleFeedAfter; a capture
// that stopped advancing that long ago.
func (l Liveness) Warnings(now time.Time) []string {
	var out []string
	if !l.Installed {
		return nil
	}
	since, pending := l.LastPublishedAt, l.Head > l.PublishedCursor
	if since.IsZero() {
		since, pending = l.InstalledAt, !l.OldestChangeAt.IsZero()
		if since.IsZero() {
			since = l.OldestChangeAt
		}
	}
	if pending && !since.IsZero() && now.Sub(since) > StaleFeedAfter {
		out = append(out, fmt.Sprintf("the change log grows (head %d, published up to %d) but no changefeed has published for %s: start one, or retire memsync with `memsync uninstall`",
			l.Head, l.PublishedCursor, ago(now, since)))
	}
	if c := l.Capture; c != nil && now.Sub(c.At) > StaleFeedAfter {
		out = append(out, fmt.Sprintf("a %s capture stopped %s ago at %s (%d rows); the next changefeed start resumes it", c.Kind, ago(now, c.At), c.Table, c.Rows))
	}
	return out
}

func ago(now, t time.Time) string {
	return now.Sub(t).Round(time.Second).String()
}
