package rebuild

import (
	"cmp"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/worker"
)

// Config says what to rebuild and from where. Every entry point of the
// package (Run, FromStream, FromTurso, DropConsumer, CleanupConsumer) takes
// it through EnsureDefaults; what supervises a running worker is configured
// in internal/supervisor, whose Options embed a Config.
type Config struct {
	Dir     string
	Options cachestore.Options
	JS      jetstream.JetStream
	DB      *turso.DB // needed for FromTurso
	Worker  worker.Options
	// Logger is used when Worker.Logger is nil (default slog.Default).
	Logger *slog.Logger
	// Progress, when set, is called with work done and total (entities or messages).
	Progress func(done, total int)
	// OnRebuild, when set, is told about every completed rebuild (metrics).
	OnRebuild func(reason string)
	// Aside bounds the old caches kept aside after a swap (nil:
	// DefaultAsideBudget).
	Aside *AsideBudget
	// StreamWait is how long a rebuild that finds no stream at its start
	// (deleted, or NATS restarting) waits for it: the changefeed re-creates
	// a deleted stream. 0: no wait, the rebuild fails at once naming the
	// missing stream (the CLI's rebuild); the supervisor's repairs wait
	// DefaultStreamWait.
	StreamWait time.Duration
	beforeSwap func()
	// beforeBody, set by tests, runs ahead of every body a stream rebuild's
	// staging batch asks the stream for (a backfill), with the number of
	// fresh starts of the staging cache so far: where a test replaces the
	// stream under a batch in hand. nil in production.
	beforeBody func(fill int)
}

// EnsureDefaults returns a copy of c (nil: the zero Config) with the
// worker's defaults filled (worker.Options.EnsureDefaults), Logger set to
// the logger the rebuild logs with (the worker's, else Logger, else
// slog.Default) and Aside to DefaultAsideBudget when unset; c itself is not
// changed. The worker keeps its own logger (slog.Default when it had none).
func (c *Config) EnsureDefaults() *Config {
	var o Config
	if c != nil {
		o = *c
	}
	o.Logger = cmp.Or(o.Worker.Logger, o.Logger, slog.Default())
	o.Worker = *o.Worker.EnsureDefaults()
	if o.Aside == nil {
		b := DefaultAsideBudget()
		o.Aside = &b
	}
	return &o
}

// Validate reports the first option out of its range (after
// EnsureDefaults): the worker's (worker.ErrOptions). A negative Aside is
// refused where it is used (MoveAsideWithin, the pruning after a swap).
func (c *Config) Validate() error { return c.Worker.Validate() }

// MaxMessageBytes is the max payload of the NATS connection (what the
// changefeed's messages must fit; 0 without one: protocol's default).
func (c *Config) MaxMessageBytes() int64 {
	if c.JS == nil {
		return 0
	}
	return c.JS.Conn().MaxPayload()
}
