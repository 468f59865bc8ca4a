package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/memsync/memsync/internal/validate"
)

// validateArgs is the command line of validate.
type validateArgs struct {
	*commandLine
	turso  tursoFlags
	cache  cacheFlags
	asJSON bool
	opts   validate.Options
}

func parseValidate(args []string) (*validateArgs, error) {
	a := &validateArgs{commandLine: newCommandLine("validate")}
	a.use(&a.turso, &a.cache)
	a.fs.BoolVar(&a.asJSON, "json", false, "print the report as JSON")
	a.fs.Int64Var(&a.opts.MaxMessageBytes, "max-message-bytes", 0, "the NATS server's max_payload, when not the default 1 MiB (rows over it are unsyncable)")
	return a, a.parse(args)
}

// runValidate compares the cache with Turso: exit 0 consistent, 1 stale
// or diverged, 2 error.
func runValidate(ctx context.Context, args []string) error {
	a, err := parseValidate(args)
	if err != nil {
		return err
	}
	a.logger()
	r, err := a.validateOnce(ctx)
	if err != nil {
		return &exitError{exitBadInput, err}
	}
	printReport(r, a.asJSON)
	if !r.Consistent {
		return &exitError{exitFailure, nil}
	}
	return nil
}

func (a *validateArgs) validateOnce(ctx context.Context) (*validate.Report, error) {
	store, err := a.cache.openExisting()
	if err != nil {
		return nil, err
	}
	defer store.Close()
	db, err := a.turso.open(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return validate.Run(ctx, db, store, &a.opts)
}

func printReport(r *validate.Report, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(r)
		return
	}
	state := "consistent"
	if !r.Consistent {
		state = "NOT consistent"
	}
	fmt.Printf("%s: stale %d, diverged %d, orphan embeddings %d (applied version %d, Turso head %d)\n",
		state, r.Stale, r.Diverged, r.OrphanEmbeddings, r.AppliedVersion, r.TursoHeadVersion)
	for _, k := range []struct {
		n string
		r validate.KindReport
	}{{"episodes", r.Episodes}, {"patterns", r.Patterns}, {"embeddings", r.Embeddings}} {
		fmt.Printf("  %-10s turso %d, expected %d, cached %d, mismatched %d\n", k.n, k.r.Turso, k.r.Expected, k.r.Cache, k.r.Mismatched)
	}
	if u := r.Unsyncable; u.Count > 0 {
		fmt.Printf("  unsyncable rows (parked, left out of every cache): %d\n", u.Count)
		for _, row := range u.Rows {
			fmt.Printf("    %s %q: %s\n", row.Entity, row.ID, row.Reason)
		}
	}
	for _, ex := range r.Examples {
		fmt.Println("  -", ex)
	}
}
