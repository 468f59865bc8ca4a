package main

import (
	"context"
	"fmt"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// runGet prints one cached entity: memsync get episode|pattern|embedding ID.
func runGet(ctx context.Context, args []string) error {
	c := newFlags("get")
	c.readFlags()
	c.maxArgs = 2
	asJSON := c.fs.Bool("json", false, "print one JSON object")
	if err := c.parse(args); err != nil {
		return err
	}
	if len(c.args) != 2 {
		return &exitError{2, fmt.Errorf("usage: memsync get episode|pattern|embedding ID")}
	}
	req := query.GetRequest{Kind: protocol.Entity(c.args[0]), ID: c.args[1]}
	return c.withReader(ctx, false, func(svc query.Service) error {
		r, err := svc.Get(ctx, req)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(r)
		}
		return printEntity(r)
	})
}
