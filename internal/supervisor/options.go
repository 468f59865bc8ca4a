package supervisor

import (
	"cmp"
	"time"

	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/internal/rebuild"
	"github.com/memsync/memsync/protocol"
)

// Options configure Supervise. The embedded rebuild.Config names the cache,
// the worker's options and the rebuild sources (JS, and DB for Turso
// rebuilds and validation); the other fields are about supervision.
type Options struct {
	rebuild.Config
	// ValidateEvery runs a validation against Turso (when DB is set) at this
	// period while the worker runs; a divergence confirmed by a second pass
	// triggers a rebuild from Turso. 0 (or less) disables it.
	ValidateEvery time.Duration
	// TriggerSubject is the sync.trigger subject (default sync.trigger; "-"
	// to not listen).
	TriggerSubject string
	// Serve, when set, is given every cache the supervisor opens (with a
	// retrieval index that follows it) and takes it back before the cache
	// is closed or swapped; Detach waits for requests in flight.
	Serve Server
	// EmbeddedNATS says the JetStream server runs in this process, so the
	// memory live status reports includes the server's.
	EmbeddedNATS bool
	// now is the clock of the rebuild rate limit (default time.Now).
	now func() time.Time
}

// Server is what the supervisor needs from the read side (query.Local).
type Server interface {
	Attach(*query.Cache)
	Detach()
}

// EnsureDefaults returns a copy of o (nil: the zero Options) with every
// unset field given its default (the Config's through
// rebuild.Config.EnsureDefaults); o itself is not changed.
func (o *Options) EnsureDefaults() *Options {
	var c Options
	if o != nil {
		c = *o
	}
	c.Config = *c.Config.EnsureDefaults()
	c.TriggerSubject = cmp.Or(c.TriggerSubject, protocol.DefaultTriggerSubject)
	if c.now == nil {
		c.now = time.Now
	}
	return &c
}

// Validate reports the first option out of its range (after
// EnsureDefaults), with the error the worker would stop with
// (worker.ErrOptions).
func (o *Options) Validate() error { return o.Config.Validate() }
