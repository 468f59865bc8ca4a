package changefeed

import (
	"cmp"
	"fmt"
	"log/slog"
	"time"

	"github.com/memsync/memsync/protocol"
)

// Options configure a Changefeed.
type Options struct {
	DBName    string // <db> subject token (default "default")
	Stream    string // stream name (default "MEMSYNC")
	DLQStream string // dead-letter stream (default "MEMSYNC_DLQ")
	BatchSize int    // change-log rows per step, at most 999 (default 500)
	// MaxBatchBytes bounds the bytes of one atomic batch (subjects, headers
	// and bodies; default DefaultMaxBatchBytes). Rows are read from Turso
	// only up to it, so publishing holds about twice it at most: one batch
	// being published, the next one read ahead.
	MaxBatchBytes int
	// PollInterval is the idle poll period: the longest wait between two
	// polls (default DefaultLocalPollInterval for a local file,
	// DefaultRemotePollInterval for a remote database). Given without
	// PollMin it is a fixed period.
	PollInterval time.Duration
	// PollMin is the wait after a poll that found changes; the wait grows
	// with the time the change log has been quiet, up to PollInterval
	// (poll.go). Default: DefaultLocalPollMin or DefaultRemotePollMin, or
	// PollInterval when only that is given.
	PollMin    time.Duration
	PruneDelay time.Duration // age a checkpoint needs before pruning below it (default 3m)
	GapGrace   time.Duration // how long a change_id gap blocks publishing (default 2s)
	Replicas   int           // stream replicas (default 1)
	// TombstoneTTL expires delete messages from the stream after this long
	// (0: keep them forever). A worker offline for longer rebuilds its cache.
	TombstoneTTL time.Duration
	// HeartbeatInterval is how often the head and cursor are announced
	// (default 2s).
	HeartbeatInterval time.Duration
	// DLQMaxBytes bounds the dead-letter stream; the oldest dead letters are
	// discarded beyond it (default DefaultDLQMaxBytes, at least 1 MiB).
	DLQMaxBytes int64
	// FullRecaptureEvery is the least time between two full re-captures
	// asked by sync.trigger (default DefaultFullRecaptureEvery; negative:
	// no limit). A trigger within it is refused, naming when the next one
	// is allowed.
	FullRecaptureEvery time.Duration
	// OnBatch, when set, observes every published batch (metrics).
	OnBatch func(messages int, took time.Duration)
	Logger  *slog.Logger
}

// DefaultFullRecaptureEvery is the default least time between two full
// re-captures asked by sync.trigger.
const DefaultFullRecaptureEvery = 10 * time.Minute

// DefaultMaxBatchBytes is the default byte bound of one atomic batch.
const DefaultMaxBatchBytes = 8 << 20

// minBatchBytes keeps the byte bound above one ordinary row.
const minBatchBytes = 64 << 10

// EnsureDefaults returns a copy of o (nil: the zero Options) with every
// unset field given its default, the poll schedule that of a local file;
// o itself is not changed. New gives a remote database its own schedule
// (ensureDefaults).
func (o *Options) EnsureDefaults() *Options { return o.ensureDefaults(true) }

// ensureDefaults: local says the database is a local file (the poll
// schedule's defaults depend on it).
func (o *Options) ensureDefaults(local bool) *Options {
	var c Options
	if o != nil {
		c = *o
	}
	c.fill(local)
	return &c
}

func (o *Options) fill(local bool) {
	o.DBName = cmp.Or(o.DBName, "default")
	o.Stream = cmp.Or(o.Stream, protocol.DefaultStream)
	o.DLQStream = cmp.Or(o.DLQStream, protocol.DefaultDLQStream)
	o.BatchSize = cmp.Or(o.BatchSize, 500)
	o.MaxBatchBytes = cmp.Or(o.MaxBatchBytes, DefaultMaxBatchBytes)
	o.pollDefaults(local)
	o.PruneDelay = cmp.Or(o.PruneDelay, 3*time.Minute)
	o.GapGrace = cmp.Or(o.GapGrace, 2*time.Second)
	o.Replicas = cmp.Or(o.Replicas, 1)
	o.HeartbeatInterval = cmp.Or(o.HeartbeatInterval, 2*time.Second)
	o.DLQMaxBytes = cmp.Or(o.DLQMaxBytes, DefaultDLQMaxBytes)
	o.FullRecaptureEvery = cmp.Or(o.FullRecaptureEvery, DefaultFullRecaptureEvery)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Validate reports the first option out of its range (after EnsureDefaults).
func (o *Options) Validate() error {
	if !protocol.ValidName(o.DBName) {
		return fmt.Errorf("%w: db name %q must match [A-Za-z0-9_-]{1,64}", ErrOptions, o.DBName)
	}
	if o.BatchSize < 1 || o.BatchSize > 999 {
		return fmt.Errorf("%w: batch size %d must be in 1..999 (atomic batches hold 1000 messages)", ErrOptions, o.BatchSize)
	}
	if o.MaxBatchBytes < minBatchBytes {
		return fmt.Errorf("%w: max batch bytes %d must be at least %d", ErrOptions, o.MaxBatchBytes, minBatchBytes)
	}
	if o.TombstoneTTL != 0 && o.TombstoneTTL < time.Second {
		return fmt.Errorf("%w: tombstone TTL %v must be 0 or at least 1s", ErrOptions, o.TombstoneTTL)
	}
	if o.DLQMaxBytes < MinDLQMaxBytes {
		return fmt.Errorf("%w: dead-letter stream max bytes %d must be at least %d (room for one poison message of the max payload)", ErrOptions, o.DLQMaxBytes, MinDLQMaxBytes)
	}
	if err := o.validatePoll(); err != nil {
		return err
	}
	if o.PruneDelay < 0 {
		return fmt.Errorf("%w: prune delay %v must be >= 0", ErrOptions, o.PruneDelay)
	}
	return nil
}

// pollDefaults: neither period given, the schedule for where the database
// is; only PollInterval given, a fixed period (as before the adaptive
// schedule); only PollMin given, the default idle period, at least PollMin.
func (o *Options) pollDefaults(local bool) {
	dmin, dmax := DefaultRemotePollMin, DefaultRemotePollInterval
	if local {
		dmin, dmax = DefaultLocalPollMin, DefaultLocalPollInterval
	}
	switch {
	case o.PollInterval == 0 && o.PollMin == 0:
		o.PollMin, o.PollInterval = dmin, dmax
	case o.PollMin == 0:
		o.PollMin = o.PollInterval
	case o.PollInterval == 0:
		o.PollInterval = max(dmax, o.PollMin)
	}
}

func (o *Options) validatePoll() error {
	if o.PollMin < MinPollInterval || o.PollInterval < MinPollInterval {
		return fmt.Errorf("%w: poll min %v and poll interval %v must be at least %v", ErrOptions, o.PollMin, o.PollInterval, MinPollInterval)
	}
	if o.PollMin > o.PollInterval {
		return fmt.Errorf("%w: poll min %v must not exceed the poll interval %v (the idle period)", ErrOptions, o.PollMin, o.PollInterval)
	}
	return nil
}
