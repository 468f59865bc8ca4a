package turso

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Object is one of memsync's own objects in the database.
type Object struct {
	Type string `json:"type"` // trigger, index or table
	Name string `json:"name"`
}

// ownObjects lists every object Install creates (schema.go: ownDDL and
// triggerDDL), in the order Uninstall drops them: the triggers first, so
// no write is captured into a half-removed log.
func ownObjects() []Object {
	var out []Object
	for _, t := range capturedTables {
		for _, op := range []string{"ins", "upd", "del"} {
			out = append(out, Object{"trigger", "memsync_" + t.table + "_" + op})
		}
	}
	return append(out, Object{"table", "memsync_changelog"}, Object{"table", "memsync_meta"})
}

// dropList is ownObjects with what earlier versions created and Install
// now drops (a database they installed and no newer Install touched still
// has it), in drop order: an index before its table.
func dropList() []Object {
	own := ownObjects()
	i := slices.Index(own, Object{"table", "memsync_changelog"})
	return slices.Insert(own, i, Object{"index", formerEntityIndex})
}

// Uninstall drops memsync's own objects (its triggers, memsync_changelog,
// the index earlier versions gave it, and memsync_meta) and nothing else: the synced tables and
// their rows stay. It returns what it dropped; nothing when memsync is not
// installed. Unless force, it refuses with ErrChangefeedLive while the
// database shows a changefeed live at now (Liveness.LiveEvidence).
//
// INVARIANT 11 (uninstall): only the objects of dropList are dropped, each
// only if sqlite_master has it with that type; the check for a live
// changefeed and the drops are one IMMEDIATE transaction, so no publish
// record or capture chunk commits in between.
func (d *DB) Uninstall(ctx context.Context, now time.Time, force bool) ([]Object, error) {
	var dropped []Object
	err := d.immediate(ctx, func(c *sql.Conn) error {
		if !force {
			l, err := readLiveness(ctx, c)
			if err != nil {
				return err
			}
			if ev := l.LiveEvidence(now); ev != "" {
				return fmt.Errorf("%w: %s", ErrChangefeedLive, ev)
			}
		}
		var err error
		dropped, err = dropOwn(ctx, c)
		return err
	})
	return dropped, d.classify(err)
}

func dropOwn(ctx context.Context, c *sql.Conn) ([]Object, error) {
	var dropped []Object
	for _, o := range dropList() {
		var n int
		err := c.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = ? AND name = ?`, o.Type, o.Name).Scan(&n)
		if err != nil {
			return dropped, fmt.Errorf("uninstall: look up %s %s: %w", o.Type, o.Name, err)
		}
		if n == 0 {
			continue
		}
		// names come from dropList, never from input
		if _, err := c.ExecContext(ctx, fmt.Sprintf("DROP %s IF EXISTS %s", o.Type, o.Name)); err != nil {
			return dropped, fmt.Errorf("uninstall: drop %s %s: %w", o.Type, o.Name, err)
		}
		dropped = append(dropped, o)
	}
	return dropped, nil
}
