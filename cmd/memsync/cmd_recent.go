package main

import (
	"context"
	"fmt"

	"github.com/memsync/memsync/internal/query"
)

// filterFlags are the filters shared by recent and search.
func (c *common) filterFlags(f *query.Filter) {
	c.fs.StringVar(&f.Domain, "domain", "", "only this domain")
	c.fs.StringVar(&f.TaskType, "task-type", "", "only this task type (episodes)")
	c.fs.StringVar(&f.Language, "language", "", "only this language")
	c.fs.Int64Var(&f.Since, "since", 0, "only episodes that started at or after this unix time (patterns: updated)")
}

// runRecent lists the most recent cached episodes.
func runRecent(ctx context.Context, args []string) error {
	c := newFlags("recent")
	c.readFlags()
	var req query.RecentRequest
	c.fs.IntVar(&req.Limit, "limit", query.DefaultLimit, fmt.Sprintf("episodes to list (at most %d)", query.MaxLimit))
	c.filterFlags(&req.Filter)
	asJSON := c.fs.Bool("json", false, "print one JSON object")
	if err := c.parse(args); err != nil {
		return err
	}
	return c.withReader(ctx, false, func(svc query.Service) error {
		r, err := svc.Recent(ctx, req)
		if err != nil {
			return err
		}
		if *asJSON {
			err = printJSON(r)
		} else {
			err = printRecent(r)
		}
		if err == nil && len(r.Episodes) == 0 {
			return &exitError{1, nil}
		}
		return err
	})
}
