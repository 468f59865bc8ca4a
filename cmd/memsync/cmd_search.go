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

// runSearch runs a keyword, vector or hybrid search over the cache.
func runSearch(ctx context.Context, args []string) error {
	c := newFlags("search")
	c.readFlags()
	c.maxArgs = 1
	var req query.SearchRequest
	kind := c.fs.String("kind", "", "only episode or pattern hits")
	vector := c.fs.String("vector", "", "query vector: a JSON array of floats, or @file.json")
	c.fs.StringVar(&req.SimilarTo, "similar-to", "", "use this episode's, pattern's or embedding's own embedding as the query (itself left out)")
	c.fs.StringVar(&req.Model, "model", "", "only embeddings of this model")
	c.fs.StringVar(&req.Mode, "mode", "", "hybrid, keyword or vector (default: hybrid with text and a vector, else the one given)")
	c.fs.IntVar(&req.Limit, "limit", query.DefaultLimit, fmt.Sprintf("hits to return (at most %d)", query.MaxLimit))
	c.fs.BoolVar(&req.Explain, "explain", false, "show each component of each hit's score")
	c.filterFlags(&req.Filter)
	asJSON := c.fs.Bool("json", false, "print one JSON object")
	if err := c.parse(args); err != nil {
		return err
	}
	if len(c.args) == 1 {
		req.Text = c.args[0]
	}
	req.Kind = protocol.Entity(*kind)
	if *vector != "" {
		v, err := parseVector(*vector)
		if err != nil {
			return &exitError{2, err}
		}
		req.Vector = v
	}
	if req.Text == "" && req.SimilarTo == "" && len(req.Vector) == 0 {
		return &exitError{2, fmt.Errorf("usage: memsync search TEXT | --similar-to ID | --vector '[...]' [flags]")}
	}
	return c.withReader(ctx, true, func(svc query.Service) error {
		r, err := svc.Search(ctx, req)
		if err != nil {
			return err
		}
		if *asJSON {
			err = printJSON(r)
		} else {
			err = printHits(r, req.Explain)
		}
		if err == nil && len(r.Hits) == 0 {
			return &exitError{1, nil}
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
