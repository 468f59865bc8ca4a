package cachestore

import (
	"encoding/json"
	"fmt"
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
	// AppliedVersion is the newest publisher checkpoint cursor applied: every
	// change with change_id <= AppliedVersion has been seen by this cache.
	AppliedVersion uint64         `json:"applied_version"`
	Stream         StreamIdentity `json:"stream"`
	Lineage        string         `json:"lineage"`
	LastSyncMs     int64          `json:"last_sync_ms"`
	// window state: number of cached episodes and the sort key of the last one.
	Count    int    `json:"count"`
	Boundary []byte `json:"boundary,omitempty"`
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
