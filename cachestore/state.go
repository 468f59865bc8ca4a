package cachestore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// StreamIdentity names the stream a cache was built from, so that a stream
// recreated under the worker is detected instead of silently followed.
type StreamIdentity struct {
	Name    string `json:"name"`
	Created int64  `json:"created_unix_nano"`
}

// State is the worker's durable progress, committed with every batch.
type State struct {
	// Position is the stream sequence of the last applied message.
	Position uint64 `json:"position"`
	// PositionTime is when the server stored the message at Position (unix
	// nanoseconds, 0 if unknown). With Position it names what the cache
	// applied there: a message stored later at or below Position means the
	// stream was rolled back and refilled under the cache.
	PositionTime int64 `json:"position_time,omitempty"`
	// AppliedVersion is the newest publisher checkpoint cursor applied: every
	// change with change_id <= AppliedVersion has been seen by this cache.
	AppliedVersion uint64         `json:"applied_version"`
	Stream         StreamIdentity `json:"stream"`
	Lineage        string         `json:"lineage"`
	// LineageSince is the stream sequence of a checkpoint of Lineage (0 if
	// unknown): messages of another lineage below it are leftovers of an
	// earlier database, messages of another lineage above it mean the
	// stream now carries another database.
	LineageSince uint64 `json:"lineage_since,omitempty"`
	LastSyncMs   int64  `json:"last_sync_ms"`
	// window state: number of cached episodes and the sort key of the last one.
	Count    int    `json:"count"`
	Boundary []byte `json:"boundary,omitempty"`
	// Floor is a version at or below which every change is known applied
	// (it never exceeds AppliedVersion). Delete tombstones at or below it
	// are collected, and a change at or below it for an entity the catalog
	// does not know is ignored (gc.go).
	Floor uint64 `json:"floor,omitempty"`
	// GCCursor is the catalog key the tombstone collector resumes from
	// (nil: at the start of a pass).
	GCCursor []byte `json:"gc_cursor,omitempty"`
	// Horizon is the most recent sort key of an episode the catalog forgot
	// (nil: none forgotten or all found again); Pruned is set once any
	// live entry was forgotten (horizon.go).
	Horizon []byte `json:"horizon,omitempty"`
	Pruned  bool   `json:"pruned,omitempty"`
	// Lists records whether the newest episode upsert applied listed its
	// embeddings (a changefeed that sends lists): only then is anything
	// forgotten, so a returning episode never needs a scan to find them.
	Lists bool `json:"lists,omitempty"`
	// Known is the number of episodes the catalog knows (sort keys),
	// counted on Open and kept by Apply; not persisted.
	Known int `json:"-"`
}

func (s *State) encode() []byte {
	b, _ := json.Marshal(s)
	return b
}

func decodeState(b []byte) (State, error) {
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return State{}, fmt.Errorf("%w: state: %v", ErrCorrupt, err)
	}
	return s, nil
}

// updateState changes the durable state outside a batch (Sync).
func (s *Store) updateState(change func(*State)) error {
	release, err := s.acquireWrite()
	if err != nil {
		return err
	}
	defer release()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.state
	change(&st)
	if err := s.db.Set(metaKey("state"), st.encode(), pebble.Sync); err != nil {
		return wrapErr(err)
	}
	s.state = st
	return nil
}

// SetStream records the stream identity (and lineage) before the first batch.
func (s *Store) SetStream(id StreamIdentity, lineage string) error {
	return s.updateState(func(st *State) { st.Stream, st.Lineage = id, lineage })
}

// SetLineage records the database the cache follows and the stream
// sequence of a checkpoint of it (see State.LineageSince).
func (s *Store) SetLineage(lineage string, since uint64) error {
	return s.updateState(func(st *State) { st.Lineage, st.LineageSince = lineage, since })
}

// ResetPosition sets the stream position back to 0 so that the next
// consumer replays the whole stream (versions make the replay idempotent).
func (s *Store) ResetPosition() error {
	return s.updateState(func(st *State) { st.Position, st.PositionTime = 0, 0 })
}

// Touch records t as the last time the cache was in sync with the stream
// (a worker stopping cleanly while idle).
func (s *Store) Touch(t time.Time) error {
	return s.updateState(func(st *State) { st.LastSyncMs = max(st.LastSyncMs, t.UnixMilli()) })
}
