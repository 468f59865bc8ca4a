package main

import (
	"context"
	"fmt"

	"github.com/memsync/memsync/internal/query"
)

// filterFlags registers the filters shared by recent and search into f.
func filterFlags(cl *commandLine, f *query.Filter) {
	cl.fs.StringVar(&f.Domain, "domain", "", "only this domain")
	cl.fs.StringVar(&f.TaskType, "task-type", "", "only this task type (episodes)")
	cl.fs.StringVar(&f.Language, "language", "", "only this language")
	cl.fs.Int64Var(&f.Since, "since", 0, "only episodes that started at or after this unix time (patterns: updated)")
}

// recentArgs is the command line of recent.
type recentArgs struct {
	*commandLine
	read   readFlags
	req    query.RecentRequest
	asJSON bool
}

func parseRecent(args []string) (*recentArgs, error) {
	a := &recentArgs{commandLine: newCommandLine("recent")}
	a.use(&a.read)
	a.fs.IntVar(&a.req.Limit, "limit", query.DefaultLimit, fmt.Sprintf("episodes to list (at most %d)", query.MaxLimit))
	filterFlags(a.commandLine, &a.req.Filter)
	a.fs.BoolVar(&a.asJSON, "json", false, "print one JSON object")
	return a, a.parse(args)
}

// runRecent lists the most recent cached episodes (exit 1 when none matches).
func runRecent(ctx context.Context, args []string) error {
	a, err := parseRecent(args)
	if err != nil {
		return err
	}
	return a.read.withReader(ctx, false, func(svc query.Service) error {
		r, err := svc.Recent(ctx, a.req)
		if err != nil {
			return err
		}
		if a.asJSON {
			err = printJSON(r)
		} else {
			err = printRecent(r)
		}
		if err == nil && len(r.Episodes) == 0 {
			return &exitError{exitFailure, nil}
		}
		return err
	})
}
