package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// searchArgs is the command line of search: TEXT, --similar-to ID or --vector.
type searchArgs struct {
	*commandLine
	read   readFlags
	req    query.SearchRequest
	asJSON bool
}

func parseSearch(args []string) (*searchArgs, error) {
	a := &searchArgs{commandLine: newCommandLine("search")}
	a.use(&a.read)
	a.maxArgs = 1
	kind := a.fs.String("kind", "", "only episode or pattern hits")
	vector := a.fs.String("vector", "", "query vector: a JSON array of floats, or @file.json")
	a.fs.StringVar(&a.req.SimilarTo, "similar-to", "", "use this episode's, pattern's or embedding's own embedding as the query (itself left out)")
	a.fs.StringVar(&a.req.Model, "model", "", "only embeddings of this model")
	a.fs.StringVar(&a.req.Mode, "mode", "", "hybrid, keyword or vector (default: hybrid with text and a vector, else the one given)")
	a.fs.IntVar(&a.req.Limit, "limit", query.DefaultLimit, fmt.Sprintf("hits to return (at most %d)", query.MaxLimit))
	a.fs.BoolVar(&a.req.Explain, "explain", false, "show each component of each hit's score")
	filterFlags(a.commandLine, &a.req.Filter)
	a.fs.BoolVar(&a.asJSON, "json", false, "print one JSON object")
	if err := a.parse(args); err != nil {
		return a, err
	}
	if len(a.args) == 1 {
		a.req.Text = a.args[0]
	}
	a.req.Kind = protocol.Entity(*kind)
	if *vector != "" {
		v, err := parseVector(*vector)
		if err != nil {
			return a, usageError(err)
		}
		a.req.Vector = v
	}
	if a.req.Text == "" && a.req.SimilarTo == "" && len(a.req.Vector) == 0 {
		return a, usageError(fmt.Errorf("usage: memsync search TEXT | --similar-to ID | --vector '[...]' [flags]"))
	}
	return a, nil
}

// runSearch runs a keyword, vector or hybrid search over the cache (exit 1
// when nothing matches).
func runSearch(ctx context.Context, args []string) error {
	a, err := parseSearch(args)
	if err != nil {
		return err
	}
	return a.read.withReader(ctx, true, func(svc query.Service) error {
		r, err := svc.Search(ctx, a.req)
		if err != nil {
			return err
		}
		if a.asJSON {
			err = printJSON(r)
		} else {
			err = printHits(r, a.req.Explain)
		}
		if err == nil && len(r.Hits) == 0 {
			return &exitError{exitFailure, nil}
		}
		return err
	})
}

// parseVector reads a JSON array of numbers, inline or from @file.
func parseVector(s string) ([]float32, error) {
	src := "--vector"
	b := []byte(s)
	if name, ok := strings.CutPrefix(s, "@"); ok {
		var err error
		if b, err = os.ReadFile(name); err != nil {
			return nil, fmt.Errorf("--vector: %v", err)
		}
		src = "--vector @" + name
	}
	var v []float32
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of numbers: %v", src, err)
	}
	if len(v) == 0 {
		return nil, fmt.Errorf("%s: empty vector", src)
	}
	return v, nil
}
