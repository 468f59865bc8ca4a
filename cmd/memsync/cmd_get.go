package main

import (
	"context"
	"fmt"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// getArgs is the command line of get: get episode|pattern|embedding ID.
type getArgs struct {
	*commandLine
	read   readFlags
	asJSON bool
}

func parseGet(args []string) (*getArgs, error) {
	a := &getArgs{commandLine: newCommandLine("get")}
	a.use(&a.read)
	a.maxArgs = 2
	a.fs.BoolVar(&a.asJSON, "json", false, "print one JSON object")
	if err := a.parse(args); err != nil {
		return a, err
	}
	if len(a.args) != 2 {
		return a, usageError(fmt.Errorf("usage: memsync get episode|pattern|embedding ID"))
	}
	return a, nil
}

// runGet prints one cached entity.
func runGet(ctx context.Context, args []string) error {
	a, err := parseGet(args)
	if err != nil {
		return err
	}
	req := query.GetRequest{Kind: protocol.Entity(a.args[0]), ID: a.args[1]}
	return a.read.withReader(ctx, false, func(svc query.Service) error {
		r, err := svc.Get(ctx, req)
		if err != nil {
			return err
		}
		if a.asJSON {
			return printJSON(r)
		}
		return printEntity(r)
	})
}
