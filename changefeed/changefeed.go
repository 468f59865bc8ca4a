package changefeed

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/outage"
)

// Changefeed publishes the Turso change log to the compacted stream.
type Changefeed struct {
	db      Source
	js      jetstream.JetStream
	opts    Options
	log     *slog.Logger
	stream  jetstream.Stream
	lineage string
	cur     cursor
	// installed: memsync's objects are in the database and lineage is its
	// lineage. streamsOK: both streams were ensured since they were last
	// found missing. needReload: the cursor must be read from the stream.
	installed, streamsOK, needReload bool
	lim                              limits
	split                            int // entity messages per batch while a failing batch is split (0: no cap)
	gaps                             *gapDetector
	prune                            *pruner
	stats                            stats
	poke                             chan struct{}
	lastBeat, lastVerify             time.Time
	ahead                            *readBatch // the next batch, read while the previous one was published
	outage                           outage.Tracker
	full                             *recaptureLimit // sync.trigger full
	polls                            atomic.Uint64   // PollOnce calls made by Run
	sched                            pollSchedule
	lastChange                       time.Time // when a poll last found changes (adaptive schedule)
	// now and wait are the clock the poll loop and the gap detector use
	// (time.Now and a real timer; tests inject a fake clock). The adaptive
	// poll schedule reads now once per idle wait; a fixed one never.
	now  func() time.Time
	wait func(ctx context.Context, d time.Duration, poke <-chan struct{}) bool
}

// New validates options (nil: the defaults) and builds a Changefeed;
// nothing runs until Run.
func New(db Source, js jetstream.JetStream, opts *Options) (*Changefeed, error) {
	o := *opts.ensureDefaults(localSource(db))
	if err := o.Validate(); err != nil {
		return nil, err
	}
	c := &Changefeed{db: db, js: js, opts: o, log: o.Logger.With("component", "changefeed"), poke: make(chan struct{}, 1),
		now: time.Now, wait: outage.SleepOrPoke, sched: pollSchedule{min: o.PollMin, max: o.PollInterval}}
	c.gaps = newGapDetector(o.GapGrace, c.log)
	c.prune = &pruner{delay: o.PruneDelay}
	c.full = &recaptureLimit{every: o.FullRecaptureEvery}
	return c, nil
}

// Poke asks for a poll now (sync.trigger incremental); it never blocks.
func (c *Changefeed) Poke() {
	select {
	case c.poke <- struct{}{}:
	default:
	}
}

// Run polls and publishes until ctx is done. Turso and NATS outages are
// retried with exponential backoff and jitter; Run returns only on ctx
// cancellation (nil) or a configuration error.
func (c *Changefeed) Run(ctx context.Context) error {
	bo := outage.NewBackoff()
	for {
		started := c.stepStart()
		res, err := c.PollOnce(ctx)
		c.polls.Add(1)
		if ctx.Err() != nil {
			return nil
		}
		c.heartbeat(time.Now())
		if errors.Is(err, ErrFenced) || errors.Is(err, ErrResync) {
			// Another publisher moved the checkpoint first, or the database
			// or the stream changed under us: not an outage. The cursor is
			// reloaded; poll again soon.
			if errors.Is(err, ErrFenced) {
				c.stats.fenced.Add(1)
			}
			if !c.wait(ctx, c.sched.min, c.poke) {
				return nil
			}
			continue
		}
		if err != nil {
			if isFatal(err) {
				return err
			}
			c.outage.Fail(c.log, "sync step failing; retrying with backoff", err)
			c.needReload = c.needReload || (c.installed && c.streamsOK)
			if !c.wait(ctx, bo.NextBackOff(), nil) {
				return nil
			}
			continue
		}
		c.outage.Recover(c.log, "sync step recovered")
		bo.Reset()
		c.maybePrune(ctx)
		if res.Full {
			continue
		}
		// INVARIANT 1.4 (bounded poll rate): after a step that was not full
		// the next one starts at least PollMin after it started, and
		// PollInterval once the change log has been quiet for
		// idleRatio*PollInterval (poll.go).
		if !c.wait(ctx, c.pollWait(res, started), c.poke) {
			return nil
		}
	}
}

func isFatal(err error) bool {
	return errors.Is(err, ErrOptions)
}

// Cursor is the published cursor.
func (c *Changefeed) Cursor() uint64 { return c.stats.cursor.Load() }
