package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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

func runStatus(ctx context.Context, args []string) error {
	c := newFlags("status")
	c.tursoFlags()
	c.natsFlags()
	c.cacheFlags()
	asJSON := c.fs.Bool("json", false, "print as JSON")
	if err := c.parse(args); err != nil {
		return err
	}
	log := c.logger()
	var n *natsConn // one connection serves the live form and the dead-letter count
	if c.natsURL == "" {
		c.natsURL = c.discoveredNATS()
	}
	if c.natsURL != "" {
		var err error
		if n, err = c.connectNATS(log, false); err != nil {
			return err
		}
		defer n.close()
	}
	if live, ok := c.liveStatus(ctx, n); ok {
		live = withWarnings(live, c.statusWarnings(ctx))
		if *asJSON {
			fmt.Println(string(live))
			return nil
		}
		return printLive(live)
	}
	s, err := offlineStatus(ctx, c, n)
	if err != nil {
		return &exitError{2, err}
	}
	s.Warnings = c.statusWarnings(ctx)
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	fmt.Printf("worker %s (%s)\n  applied version %d, Turso head %d, lag %d, stale %v\n  last sync %v\n  cached: %d episodes, %d patterns, %d embeddings\n",
		s.Worker, s.Cache, s.AppliedVersion, s.TursoHeadVersion, s.Lag, s.Stale, s.LastSync, s.Counts.Episodes, s.Counts.Patterns, s.Counts.Embeddings)
	if s.LastError != "" {
		fmt.Printf("  last error: %s\n", s.LastError)
	}
	for _, w := range s.Warnings {
		fmt.Printf("  warning: %s\n", w)
	}
	return nil
}

// offlineStatus reads a stopped worker's cache and Turso.
func offlineStatus(ctx context.Context, c *common, n *natsConn) (*statusReport, error) {
	store, err := c.openExistingCache()
	if errors.Is(err, cachestore.ErrLocked) {
		return nil, fmt.Errorf("%w (the worker is running: give --nats for its live status)", err)
	}
	if err != nil {
		return nil, err
	}
	defer store.Close()
	st := store.State()
	s := &statusReport{Worker: c.workerName, Cache: store.Dir(), AppliedVersion: st.AppliedVersion, Position: st.Position}
	if st.LastSyncMs > 0 {
		t := time.UnixMilli(st.LastSyncMs).UTC()
		s.LastSync = &t
	}
	if s.Counts, err = store.Counts(); err != nil {
		return nil, err
	}
	s.TursoHeadVersion, s.LastError = tursoHead(ctx, c)
	if s.TursoHeadVersion > s.AppliedVersion {
		s.Lag = s.TursoHeadVersion - s.AppliedVersion
	}
	s.Stale = s.Lag > 0 || s.LastError != ""
	s.DeadLetters = c.deadLetterCount(ctx, n)
	return s, nil
}

// tursoHead reads the change-log head; an unreachable Turso is reported, not fatal.
func tursoHead(ctx context.Context, c *common) (uint64, string) {
	db, err := c.openTurso(ctx)
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
func (c *common) deadLetterCount(ctx context.Context, n *natsConn) *uint64 {
	if n == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := n.js.Stream(ctx, c.dlqStream)
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
func (c *common) liveStatus(ctx context.Context, n *natsConn) ([]byte, bool) {
	if n == nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	m, err := n.nc.RequestWithContext(ctx, protocol.ServiceSubject(c.dbName, c.workerName, "status"), nil)
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
