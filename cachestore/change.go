package cachestore

import (
	"context"
	"fmt"

	"github.com/memsync/memsync/protocol"
)

// Change is one entity change to apply, as decoded from a stream message.
type Change struct {
	Entity  protocol.Entity
	Op      protocol.Op
	ID      string
	Version uint64
	// Data is the protocol row JSON, nil for deletes. It may be a slice of
	// the message it came in (protocol.DecodeEnvelope): never modified.
	Data []byte
	// Embeddings and Listed: an episode upsert's owned embeddings as its
	// message lists them (protocol.Envelope; horizon.go uses them).
	Embeddings []string
	Listed     bool

	// filled by Prepare so that Apply decodes nothing twice
	prepared  bool
	startTime int64  // episodes
	ownerKind byte   // embeddings
	ownerID   string // embeddings
}

// ChangeFromEnvelope converts a decoded message body.
func ChangeFromEnvelope(e *protocol.Envelope) Change {
	return Change{Entity: e.Entity, Op: e.Op, ID: e.ID, Version: e.Version, Data: e.Data,
		Embeddings: e.Embeddings, Listed: e.Listed}
}

// Prepare decodes everything Apply needs from the change (once), so that a
// poison message can be rejected before it enters a batch: an episode's
// start_time, an embedding's owner (both read in one pass over the row,
// protocol.EpisodeStartTime and EmbeddingOwner), a pattern's validity.
func (c *Change) Prepare() error {
	if c.prepared {
		return nil
	}
	if err := c.decode(); err != nil {
		return err
	}
	c.prepared = true
	return nil
}

func (c *Change) decode() error {
	if c.Version == 0 {
		return fmt.Errorf("%w: %s %q has version 0", protocol.ErrMalformed, c.Entity, c.ID)
	}
	if c.Op == protocol.OpDelete {
		return nil
	}
	var err error
	switch c.Entity {
	case protocol.EntityEpisode:
		c.startTime, err = protocol.EpisodeStartTime(c.Data)
	case protocol.EntityPattern:
		_, err = protocol.DecodePattern(c.Data)
	case protocol.EntityEmbedding:
		err = c.decodeOwner()
	default:
		err = fmt.Errorf("%w: %q", protocol.ErrBadEntity, c.Entity)
	}
	return err
}

func (c *Change) decodeOwner() error {
	kind, id, err := protocol.EmbeddingOwner(c.Data)
	if err != nil {
		return err
	}
	c.ownerKind, c.ownerID = kindOf(kind), id
	return nil
}

// Batch is one unit of work: changes in stream order, the highest publisher
// checkpoint cursor seen among them (0 if none) and the stream sequence of
// the last message, with the time the server stored it (unix nanoseconds).
type Batch struct {
	Changes      []Change
	Checkpoint   uint64
	Position     uint64
	PositionTime int64
}

// BodySource provides the newest published change of an entity; the worker
// implements it with a direct get of the last message on the entity's subject.
// Found is false when the stream holds nothing for the entity.
type BodySource interface {
	Latest(ctx context.Context, e protocol.Entity, id string) (c Change, found bool, err error)
}

// ApplyStats counts what one Apply did.
type ApplyStats struct {
	Applied    int // changes that moved an entity forward
	Skipped    int // older or equal versions, or at or below the floor, ignored (duplicates, redeliveries)
	Backfilled int // bodies fetched to fill the window or owners' embeddings
	Reused     int // bodies re-admitted from what the same batch dropped, without a fetch
	Collected  int // delete tombstones collected at or below the floor
	Forgotten  int // live entries far outside the window forgotten (horizon.go)
	Recalled   int // forgotten episodes found again in the stream to fill the window
}
