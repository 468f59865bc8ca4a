package turso

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// captureKey is the memsync_meta row holding the capture in progress (a
// bootstrap or a re-snapshot); it is deleted by the chunk that completes it.
const captureKey = "capture"

const (
	captureBootstrap  = "bootstrap"
	captureResnapshot = "resnapshot"
)

// captureState is a capture's plan and progress. It is read and written
// only inside the IMMEDIATE transaction of a chunk, together with the
// change-log rows that chunk adds: progress and captured rows commit or
// roll back together, so a crash between chunks loses nothing and repeats
// nothing.
type captureState struct {
	Kind   string `json:"kind"`
	Nonce  string `json:"nonce"`            // a newer plan has another nonce
	Before uint64 `json:"before,omitempty"` // re-snapshot: the head before it
	Phase  int    `json:"phase"`            // index in capturePhases
	Moved  bool   `json:"moved,omitempty"`  // the phase has a position below
	Time   int64  `json:"time,omitempty"`   // episodes: start_time of the last captured row
	ID     string `json:"id,omitempty"`     // hex of the last captured id
	Rowid  int64  `json:"rowid,omitempty"`  // odd rows: the last captured rowid
	Rows   int64  `json:"rows"`             // rows captured so far
	AtMs   int64  `json:"at_ms"`            // when it last advanced
}

func newCapture(kind string, before uint64, now time.Time) captureState {
	return captureState{Kind: kind, Nonce: newLineage(), Before: before, AtMs: now.UnixMilli()}
}

// nextPhase moves to the start of the next phase.
func (s *captureState) nextPhase() {
	*s = captureState{Kind: s.Kind, Nonce: s.Nonce, Before: s.Before, Phase: s.Phase + 1, Rows: s.Rows, AtMs: s.AtMs}
}

func (s captureState) done() bool { return s.Phase >= len(capturePhases) }

// loadCapture reads the capture in progress; ok is false when there is none.
func loadCapture(ctx context.Context, q rowQuerier) (captureState, bool, error) {
	v, err := metaValue(ctx, q, captureKey)
	if errors.Is(err, sql.ErrNoRows) || isNoTable(err) {
		return captureState{}, false, nil
	}
	if err != nil {
		return captureState{}, false, fmt.Errorf("read capture progress: %w", err)
	}
	var s captureState
	if err := json.Unmarshal([]byte(v), &s); err != nil || s.Nonce == "" || s.Phase < 0 {
		return captureState{}, false, fmt.Errorf("%w: %q", ErrBadCapture, v)
	}
	return s, true, nil
}

// saveCapture records s, or deletes the record once s is done.
func saveCapture(ctx context.Context, c *sql.Conn, s captureState) error {
	if s.done() {
		_, err := c.ExecContext(ctx, `DELETE FROM memsync_meta WHERE key = ?`, captureKey)
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = c.ExecContext(ctx, `INSERT INTO memsync_meta(key, value) VALUES (?, ?)
  ON CONFLICT(key) DO UPDATE SET value = excluded.value`, captureKey, string(b))
	if err != nil {
		return fmt.Errorf("record capture progress: %w", err)
	}
	return nil
}

// CaptureStats reports what one call did of a capture.
type CaptureStats struct {
	Rows        int64         // rows this call captured
	Chunks      int           // chunks (write transactions) it committed
	LongestHold time.Duration // the longest write lock one of them held
}

func (s *CaptureStats) add(rows int64, held time.Duration) {
	s.Rows += rows
	s.Chunks++
	s.LongestHold = max(s.LongestHold, held)
}
