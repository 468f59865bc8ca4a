package main

import (
	"bytes"
	"context"
	"encoding/json"
	"time"
)

// warnings reads from Turso the evidence of a changefeed at work
// (turso.Liveness) and returns status's warnings about it: the change log
// growing while no changefeed has published for turso.StaleFeedAfter, a
// capture that stopped. None when Turso cannot be read (the offline form
// reports that as last_error), memsync is not installed, or the local
// database file does not exist (it is never created here).
func (a *statusArgs) warnings(ctx context.Context) []string {
	if a.turso.requireLocalFile() != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	db, err := a.turso.open(ctx)
	if err != nil {
		return nil
	}
	defer db.Close()
	l, err := db.ReadLiveness(ctx)
	if err != nil {
		return nil
	}
	return l.Warnings(time.Now())
}

// withWarnings adds "warnings" to a JSON object (a worker's live status),
// leaving its other bytes as they are; obj is returned unchanged when
// there is no warning or it is not an object.
func withWarnings(obj []byte, warnings []string) []byte {
	trimmed := bytes.TrimSpace(obj)
	if len(warnings) == 0 || len(trimmed) < 2 || trimmed[0] != '{' {
		return obj
	}
	w, _ := json.Marshal(warnings)
	rest := bytes.TrimSpace(trimmed[1:])
	out := append([]byte(`{"warnings":`), w...)
	if rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, rest...)
}
