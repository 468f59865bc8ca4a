package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/memsync/memsync/internal/turso"
)

// uninstallReport is the `uninstall --json` output.
type uninstallReport struct {
	Database string         `json:"database"` // redacted
	Dropped  []turso.Object `json:"dropped"`
	Forced   bool           `json:"forced"`
}

// uninstallArgs is the command line of uninstall.
type uninstallArgs struct {
	*commandLine
	turso  tursoFlags
	force  bool
	asJSON bool
}

func parseUninstall(args []string) (*uninstallArgs, error) {
	a := &uninstallArgs{commandLine: newCommandLine("uninstall")}
	a.use(&a.turso)
	a.fs.BoolVar(&a.force, "force", false, "drop memsync's objects even while a changefeed looks live (a running changefeed re-installs them on its next poll)")
	a.fs.BoolVar(&a.asJSON, "json", false, "print what was dropped as JSON")
	return a, a.parse(args)
}

// runUninstall retires memsync from a database: it drops memsync's own
// objects (triggers, change log, memsync_meta, a former version's index) and nothing
// else. Exit 0 done (also when nothing was left), 1 refused because a
// changefeed looks live (see turso.LiveWindow), 2 error.
func runUninstall(ctx context.Context, args []string) error {
	a, err := parseUninstall(args)
	if err != nil {
		return err
	}
	a.logger()
	if err := a.turso.requireLocalFile(); err != nil {
		return usageError(err)
	}
	db, err := a.turso.open(ctx)
	if err != nil {
		return &exitError{exitBadInput, err}
	}
	defer db.Close()
	dropped, err := db.Uninstall(ctx, time.Now(), a.force)
	if errors.Is(err, turso.ErrChangefeedLive) {
		return &exitError{exitFailure, fmt.Errorf("%w; stop every changefeed first (a running one re-installs memsync on its next poll), or use --force", err)}
	}
	if err != nil {
		return &exitError{exitBadInput, err}
	}
	printUninstall(uninstallReport{Database: db.URL(), Dropped: append([]turso.Object{}, dropped...), Forced: a.force}, a.asJSON)
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
