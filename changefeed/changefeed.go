package changefeed

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/outage"
	"github.com/memsync/memsync/internal/turso"
)

// Changefeed publishes the Turso change log to the compacted stream.
type Changefeed struct {
	db         *turso.DB
	js         jetstream.JetStream
	opts       Options
	log        *slog.Logger
	stream     jetstream.Stream
	lineage    string
	cur        cursor
	ready      bool
	needReload bool
	gaps       *gapDetector
	prune      *pruner
	stats      stats
	poke       chan struct{}
	lastBeat   time.Time
	ahead      *readBatch // the next batch, read while the previous one was published
	outage     outage.Tracker
}

// New validates options and builds a Changefeed; nothing runs until Run.
func New(db *turso.DB, js jetstream.JetStream, opts ...Option) (*Changefeed, error) {
	var o Options
	for _, f := range opts {
		f(&o)
	}
	if err := o.defaults(); err != nil {
		return nil, err
	}
	c := &Changefeed{db: db, js: js, opts: o, log: o.Logger.With("component", "changefeed"), poke: make(chan struct{}, 1)}
	c.gaps = newGapDetector(o.GapGrace, c.log)
	c.prune = &pruner{delay: o.PruneDelay}
	return c, nil
}

// Poke asks for a poll now (sync.trigger incremental); it never blocks.
func (c *Changefeed) Poke() {
	select {
	case c.poke <- struct{}{}:
	default:
	}
}

// ensureReady installs memsync's objects, the streams, and loads the cursor.
func (c *Changefeed) ensureReady(ctx context.Context) error {
	if !c.ready {
		info, err := c.db.Install(ctx)
		if err != nil {
			return err
		}
		if info.Bootstrapped > 0 {
			c.log.Info("installed memsync in the database; existing rows captured", "rows", info.Bootstrapped)
		}
		c.lineage = info.Lineage
		if c.stream, err = EnsureStreams(ctx, c.js, &c.opts); err != nil {
			return err
		}
		c.ready, c.needReload = true, true
	}
	if c.needReload {
		return c.reload(ctx)
	}
	return nil
}

// reload takes the cursor from the stream, and re-snapshots when the stream
// lost changes that the pruned change log no longer holds.
func (c *Changefeed) reload(ctx context.Context) error {
	cur, err := c.loadCursor(ctx)
	if err != nil {
		return err
	}
	if cur, err = c.catchUpLostStream(ctx, cur); err != nil {
		return err
	}
	c.cur, c.needReload = cur, false
	c.prune.published(cur)
	c.stats.cursor.Store(cur.Cursor)
	return nil
}

func (c *Changefeed) catchUpLostStream(ctx context.Context, cur cursor) (cursor, error) {
	oldest, err := c.db.OldestChange(ctx)
	if err != nil {
		return cur, err
	}
	head, err := c.db.Head(ctx)
	if err != nil {
		return cur, err
	}
	lost := (oldest > 0 && cur.Cursor+1 < oldest) || (oldest == 0 && cur.Cursor < head)
	if !lost {
		return cur, nil
	}
	before, rows, err := c.db.Resnapshot(ctx)
	if err != nil {
		return cur, err
	}
	c.log.Warn("stream is behind the pruned change log (lost, purged or rolled back); re-snapshotting Turso into it",
		"stream_cursor", cur.Cursor, "oldest_change", oldest, "rows", rows)
	cur.Cursor, cur.Epoch = before, newEpoch()
	return cur, nil
}

// Run polls and publishes until ctx is done. Turso and NATS outages are
// retried with exponential backoff and jitter; Run returns only on ctx
// cancellation (nil) or a configuration error.
func (c *Changefeed) Run(ctx context.Context) error {
	bo := outage.NewBackoff()
	for {
		res, err := c.PollOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		c.heartbeat(time.Now())
		if errors.Is(err, ErrFenced) {
			// Another publisher moved the checkpoint first: not an outage.
			// Reload the cursor from the stream and poll again soon.
			c.stats.fenced.Add(1)
			if !sleep(ctx, c.opts.PollInterval, c.poke) {
				return nil
			}
			continue
		}
		if err != nil {
			if isFatal(err) {
				return err
			}
			c.outage.Fail(c.log, "sync step failing; retrying with backoff", err)
			c.needReload = c.needReload || c.ready
			if !sleep(ctx, bo.NextBackOff(), nil) {
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
		if !sleep(ctx, c.opts.PollInterval, c.poke) {
			return nil
		}
	}
}

func isFatal(err error) bool {
	return errors.Is(err, ErrOptions)
}

// sleep waits d, a poke, or ctx; it reports false when ctx is done.
func sleep(ctx context.Context, d time.Duration, poke <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-poke:
	}
	return true
}

// Cursor is the published cursor.
func (c *Changefeed) Cursor() uint64 { return c.stats.cursor.Load() }
