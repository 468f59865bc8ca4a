package protocol

import (
	"encoding/json"
	"fmt"
)

// Envelope is the JSON body of every entity message. Data holds the
// entity's row (Episode, Pattern or Embedding JSON) for upserts and is absent
// for deletes. EncodeEnvelope and DecodeEnvelope are its codec: an ID that
// is not valid UTF-8 also travels in "id_b64" (see exactid.go).
type Envelope struct {
	Schema  int             `json:"schema"`
	Entity  Entity          `json:"entity"`
	Op      Op              `json:"op"`
	ID      string          `json:"id"`
	Version uint64          `json:"version"`
	Lineage string          `json:"lineage"`
	Data    json.RawMessage `json:"data,omitempty"`
	// Embeddings lists, for an episode upsert, the ids of the embeddings
	// the episode owned in the same Turso snapshot; Listed says the list
	// was sent (an empty list is "none"; a message without one comes from
	// a changefeed that did not send lists). A cache that has forgotten an
	// episode far outside its window uses the list to find the episode's
	// embeddings again when it comes back (cachestore's horizon).
	Embeddings []string `json:"-"`
	Listed     bool     `json:"-"`
}

func (e *Envelope) validate() error {
	if e.Schema != SchemaVersion {
		return fmt.Errorf("%w: %d", ErrSchema, e.Schema)
	}
	if _, err := ParseEntity(string(e.Entity)); err != nil {
		return err
	}
	if _, err := ParseOp(string(e.Op)); err != nil {
		return err
	}
	return e.validateBody()
}

func (e *Envelope) validateBody() error {
	if len(e.ID) > MaxIDLen {
		return fmt.Errorf("%w: id of %d bytes", ErrBadID, len(e.ID))
	}
	if e.Version == 0 {
		return fmt.Errorf("%w: version 0", ErrMalformed)
	}
	if e.Op == OpUpsert && len(e.Data) == 0 {
		return fmt.Errorf("%w: upsert without data", ErrMalformed)
	}
	if e.Op == OpDelete && len(e.Data) != 0 {
		return fmt.Errorf("%w: delete with data", ErrMalformed)
	}
	if e.Listed && (e.Entity != EntityEpisode || e.Op != OpUpsert) {
		return fmt.Errorf("%w: embeddings listed on a %s %s", ErrMalformed, e.Entity, e.Op)
	}
	for _, id := range e.Embeddings {
		if len(id) > MaxIDLen {
			return fmt.Errorf("%w: listed embedding id of %d bytes", ErrBadID, len(id))
		}
	}
	return nil
}

// Checkpoint is the body of memsync.<db>._checkpoint: the publisher's cursor.
// Every change with change_id <= Cursor has been published at or before the
// checkpoint's stream sequence.
type Checkpoint struct {
	Schema      int    `json:"schema"`
	Lineage     string `json:"lineage"`
	Cursor      uint64 `json:"cursor"`
	Head        uint64 `json:"head"`
	PublishedAt int64  `json:"published_at_ms"`
}

// EncodeCheckpoint marshals a checkpoint.
func EncodeCheckpoint(c *Checkpoint) ([]byte, error) {
	c.Schema = SchemaVersion
	return json.Marshal(c)
}

// DecodeCheckpoint parses a checkpoint body.
func DecodeCheckpoint(b []byte) (*Checkpoint, error) {
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%w: checkpoint: %v", ErrMalformed, err)
	}
	if c.Schema != SchemaVersion {
		return nil, fmt.Errorf("%w: checkpoint schema %d", ErrSchema, c.Schema)
	}
	return &c, nil
}

// Heartbeat is the body of memsync.<db>._heartbeat (core NATS, not stored):
// the changefeed's view of the Turso head and its published cursor.
type Heartbeat struct {
	Schema  int    `json:"schema"`
	Lineage string `json:"lineage"`
	Head    uint64 `json:"head"`
	Cursor  uint64 `json:"cursor"`
	AtMs    int64  `json:"at_ms"`
	// Outage is the changefeed's current error ("" when healthy).
	Outage string `json:"outage,omitempty"`
}

// DecodeHeartbeat parses a heartbeat body.
func DecodeHeartbeat(b []byte) (*Heartbeat, error) {
	var h Heartbeat
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("%w: heartbeat: %v", ErrMalformed, err)
	}
	if h.Schema != SchemaVersion {
		return nil, fmt.Errorf("%w: heartbeat schema %d", ErrSchema, h.Schema)
	}
	return &h, nil
}
