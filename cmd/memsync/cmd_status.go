package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// statusReport is the `status --json` output.
type statusReport struct {
	Worker           string            `json:"worker"`
	Cache            string            `json:"cache"`
	AppliedVersion   uint64            `json:"applied_version"`
	TursoHeadVersion uint64            `json:"turso_head_version"`
	Lag              uint64            `json:"lag"`
	Stale            bool              `json:"stale"`
	Position         uint64            `json:"stream_position"`
	LastSync         *time.Time        `json:"last_sync"`
	LastError        string            `json:"last_error"`
	Counts           cachestore.Counts `json:"counts"`
	DeadLetters      *uint64           `json:"dead_letters,omitempty"`
	Warnings         []string          `json:"warnings,omitempty"` // status_warn.go
}

// statusArgs is the command line of status.
type statusArgs struct {
	*commandLine
	turso   tursoFlags
	nats    natsFlags
	streams streamFlags
	cache   cacheFlags
	asJSON  bool
}

func parseStatus(args []string) (*statusArgs, error) {
	a := &statusArgs{commandLine: newCommandLine("status")}
	a.use(&a.turso, &a.nats, &a.streams, &a.cache)
	a.fs.BoolVar(&a.asJSON, "json", false, "print as JSON")
	return a, a.parse(args)
}

// runStatus prints a worker's status: live from the running worker when
// one answers through NATS, otherwise read from its cache and Turso.
func runStatus(ctx context.Context, args []string) error {
	a, err := parseStatus(args)
	if err != nil {
		return err
	}
	n, err := a.connectIfServed() // one connection serves the live form and the dead-letter count
	if err != nil {
		return err
	}
	if n != nil {
		defer n.close()
	}
	if live, ok := a.liveStatus(ctx, n); ok {
		live = withWarnings(live, a.warnings(ctx))
		if a.asJSON {
			fmt.Println(string(live))
			return nil
		}
		return printLive(live)
	}
	s, err := a.offline(ctx, n)
	if err != nil {
		return &exitError{exitBadInput, err}
	}
	s.Warnings = a.warnings(ctx)
	if a.asJSON {
		return printJSON(s)
	}
	printOffline(s)
	return nil
}

// connectIfServed connects to --nats, or to the NATS server `run` embeds
// for --data-dir; nil when there is neither.
func (a *statusArgs) connectIfServed() (*natsConn, error) {
	log := a.logger()
	if a.nats.url == "" {
		a.nats.url = a.nats.discovered()
	}
	if a.nats.url == "" {
		return nil, nil
	}
	return a.nats.connect(log, false)
}

func printOffline(s *statusReport) {
	fmt.Printf("worker %s (%s)\n  applied version %d, Turso head %d, lag %d, stale %v\n  last sync %v\n  cached: %d episodes, %d patterns, %d embeddings\n",
		s.Worker, s.Cache, s.AppliedVersion, s.TursoHeadVersion, s.Lag, s.Stale, s.LastSync, s.Counts.Episodes, s.Counts.Patterns, s.Counts.Embeddings)
	if s.LastError != "" {
		fmt.Printf("  last error: %s\n", s.LastError)
	}
	for _, w := range s.Warnings {
		fmt.Printf("  warning: %s\n", w)
	}
}

// offline reads a stopped worker's cache and Turso.
func (a *statusArgs) offline(ctx context.Context, n *natsConn) (*statusReport, error) {
	store, err := a.cache.openExisting()
	if errors.Is(err, cachestore.ErrLocked) {
		return nil, fmt.Errorf("%w (the worker is running: give --nats for its live status)", err)
	}
	if err != nil {
		return nil, err
	}
	defer store.Close()
	st := store.State()
	s := &statusReport{Worker: a.cache.worker, Cache: store.Dir(), AppliedVersion: st.AppliedVersion, Position: st.Position}
	if st.LastSyncMs > 0 {
		t := time.UnixMilli(st.LastSyncMs).UTC()
		s.LastSync = &t
	}
	if s.Counts, err = store.Counts(); err != nil {
		return nil, err
	}
	s.TursoHeadVersion, s.LastError = a.tursoHead(ctx)
	if s.TursoHeadVersion > s.AppliedVersion {
		s.Lag = s.TursoHeadVersion - s.AppliedVersion
	}
	s.Stale = s.Lag > 0 || s.LastError != ""
	s.DeadLetters = a.deadLetterCount(ctx, n)
	return s, nil
}

// tursoHead reads the change-log head; an unreachable Turso is reported, not fatal.
func (a *statusArgs) tursoHead(ctx context.Context) (uint64, string) {
	db, err := a.turso.open(ctx)
	if err != nil {
		return 0, err.Error()
	}
	defer db.Close()
	h, err := db.Head(ctx)
	if err != nil {
		return 0, err.Error()
	}
	return h, ""
}

// deadLetterCount counts the dead-letter stream when --nats is given.
func (a *statusArgs) deadLetterCount(ctx context.Context, n *natsConn) *uint64 {
	if n == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := n.js.Stream(ctx, a.streams.dlqStream)
	if err != nil {
		zero := uint64(0)
		return &zero
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil
	}
	return &info.State.Msgs
}

// liveStatus asks a running worker's status endpoint (with --nats); false
// when no worker answers, and the offline form is used instead.
func (a *statusArgs) liveStatus(ctx context.Context, n *natsConn) ([]byte, bool) {
	if n == nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	m, err := n.nc.RequestWithContext(ctx, protocol.ServiceSubject(a.streams.dbName, a.cache.worker, "status"), nil)
	if err != nil {
		return nil, false
	}
	return m.Data, true
}

func printLive(b []byte) error {
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	fmt.Println(string(out))
	return nil
}
