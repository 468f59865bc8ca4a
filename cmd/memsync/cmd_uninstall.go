package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/memsync/memsync/internal/turso"
)

// uninstallReport is the `uninstall --json` output.
type uninstallReport struct {
	Database string         `json:"database"` // redacted
	Dropped  []turso.Object `json:"dropped"`
	Forced   bool           `json:"forced"`
}

// runUninstall retires memsync from a database: it drops memsync's own
// objects (triggers, change log, its index, memsync_meta) and nothing
// else. Exit 0 done (also when nothing was left), 1 refused because a
// changefeed looks live (see turso.LiveWindow), 2 error.
func runUninstall(ctx context.Context, args []string) error {
	c := newFlags("uninstall")
	c.tursoFlags()
	force := c.fs.Bool("force", false, "drop memsync's objects even while a changefeed looks live (a running changefeed re-installs them on its next poll)")
	asJSON := c.fs.Bool("json", false, "print what was dropped as JSON")
	if err := c.parse(args); err != nil {
		return err
	}
	c.logger()
	if err := c.requireLocalFile(); err != nil {
		return &exitError{2, err}
	}
	db, err := c.openTurso(ctx)
	if err != nil {
		return &exitError{2, err}
	}
	defer db.Close()
	dropped, err := db.Uninstall(ctx, time.Now(), *force)
	if errors.Is(err, turso.ErrChangefeedLive) {
		return &exitError{1, fmt.Errorf("%w; stop every changefeed first (a running one re-installs memsync on its next poll), or use --force", err)}
	}
	if err != nil {
		return &exitError{2, err}
	}
	printUninstall(uninstallReport{Database: db.URL(), Dropped: append([]turso.Object{}, dropped...), Forced: *force}, *asJSON)
	return nil
}

// requireLocalFile refuses a local database file that does not exist
// (opening it would create an empty one).
func (c *common) requireLocalFile() error {
	target := c.tursoTarget()
	if !strings.HasPrefix(target, "file:") {
		return nil
	}
	p := strings.TrimPrefix(target, "file:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if _, err := os.Stat(p); err != nil {
		return fmt.Errorf("no database at %s: %w", p, err)
	}
	return nil
}

func printUninstall(r uninstallReport, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(r)
		return
	}
	if len(r.Dropped) == 0 {
		fmt.Printf("memsync is not installed in %s: nothing to drop\n", r.Database)
		return
	}
	for _, o := range r.Dropped {
		fmt.Printf("dropped %s %s\n", o.Type, o.Name)
	}
	fmt.Printf("memsync uninstalled from %s (%d objects dropped; the synced tables and their rows are untouched)\n", r.Database, len(r.Dropped))
}
