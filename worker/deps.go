package worker

import (
	"context"
	"time"

	"github.com/memsync/memsync/cachestore"
)

// Cache is what the worker needs of the cache it applies the stream to:
// its durable state and options, the synced apply of a batch, and the few
// state writes of bind and a graceful stop. *cachestore.Store implements
// it; tests wrap one to inject faults.
type Cache interface {
	// State is the durable progress (position, applied checkpoint, stream
	// identity, lineage, last sync).
	State() cachestore.State
	// Options are the options the cache was built with (the toggles decide
	// the consumer's filters).
	Options() cachestore.Options
	// Dir names the cache in errors.
	Dir() string
	// Apply commits a batch and its position with Sync; the worker
	// acknowledges only after it returned nil (invariant 3).
	Apply(ctx context.Context, b cachestore.Batch, src cachestore.BodySource) (cachestore.ApplyStats, error)
	// SetStream records the stream the cache follows (first bind).
	SetStream(id cachestore.StreamIdentity, lineage string) error
	// SetLineage records the database the cache follows.
	SetLineage(lineage string, since uint64) error
	// Touch records the last time the cache was in sync (graceful stop).
	Touch(t time.Time) error
	// Tidy runs one step of the collector and of the forgetting outside a
	// batch (an idle worker); it moves no position.
	Tidy(ctx context.Context, src cachestore.BodySource, budget int) (cachestore.TidyStats, error)
}

var _ Cache = (*cachestore.Store)(nil)
