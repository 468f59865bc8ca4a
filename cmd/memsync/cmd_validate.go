package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/validate"
)

// openCacheReadOnly opens an existing cache without creating one.
func (c *common) openExistingCache() (*cachestore.Store, error) {
	dir := c.cachePath()
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("no cache at %s (run `memsync run` or `memsync worker` first)", dir)
	}
	o := c.storeOptions()
	o.UseStored = true // check the cache against the options it was built with
	// Skip the full integrity scan: status should be cheap, and validation
	// reads every entry anyway (a checksum error surfaces as ErrCorrupt).
	o.SkipVerify = true
	o.LockWait = 0 // a worker holds it for good: say so at once
	return cachestore.Open(dir, o)
}

func runValidate(ctx context.Context, args []string) error {
	c := newFlags("validate")
	c.tursoFlags()
	c.cacheFlags()
	asJSON := c.fs.Bool("json", false, "print the report as JSON")
	maxMsg := c.fs.Int64("max-message-bytes", 0, "the NATS server's max_payload, when not the default 1 MiB (rows over it are unsyncable)")
	if err := c.parse(args); err != nil {
		return err
	}
	c.logger()
	r, err := validateOnce(ctx, c, &validate.Options{MaxMessageBytes: *maxMsg})
	if err != nil {
		return &exitError{2, err}
	}
	printReport(r, *asJSON)
	if !r.Consistent {
		return &exitError{1, nil}
	}
	return nil
}

func validateOnce(ctx context.Context, c *common, opts *validate.Options) (*validate.Report, error) {
	store, err := c.openExistingCache()
	if err != nil {
		return nil, err
	}
	defer store.Close()
	db, err := c.openTurso(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return validate.Run(ctx, db, store, opts)
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
