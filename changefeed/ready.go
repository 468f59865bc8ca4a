package changefeed

import (
	"context"
	"time"
)

// ensureReady installs memsync's objects in the database, ensures the
// streams and loads the cursor, each only when it is not known to be done:
// a database replaced under the changefeed is installed again, streams
// deleted under it are re-created, without a restart.
func (c *Changefeed) ensureReady(ctx context.Context) error {
	if !c.installed {
		if err := c.install(ctx); err != nil {
			return err
		}
	}
	if !c.streamsOK {
		if err := c.ensureStreams(ctx); err != nil {
			return err
		}
	}
	if c.needReload {
		return c.reload(ctx)
	}
	return nil
}

// captureReporter is a database that reports the progress of a capture
// (*turso.DB does).
type captureReporter interface {
	SetCaptureProgress(fn func(captured int64))
}

func (c *Changefeed) install(ctx context.Context) error {
	if r, ok := c.db.(captureReporter); ok {
		r.SetCaptureProgress(c.captureProgress())
	}
	info, err := c.db.Install(ctx)
	if err != nil {
		return err
	}
	if info.Bootstrapped > 0 {
		c.log.Info("installed memsync in the database; existing rows captured", "rows", info.Bootstrapped)
	}
	if c.lineage != "" && info.Lineage != c.lineage {
		c.log.Warn("the database now has another lineage (replaced or restored)", "was", c.lineage, "now", info.Lineage)
	}
	c.lineage, c.installed, c.needReload = info.Lineage, true, true
	return nil
}

func (c *Changefeed) ensureStreams(ctx context.Context) error {
	s, err := EnsureStreams(ctx, c.js, &c.opts)
	if err != nil {
		return err
	}
	if c.stream != nil {
		c.log.Warn("streams ensured again after one was found missing", "stream", c.opts.Stream, "dlq", c.opts.DLQStream)
	}
	c.stream, c.split = s, 0 // a split cap learned on the previous stream says nothing here
	c.lim.read(s.CachedInfo())
	c.streamsOK, c.needReload = true, true
	return nil
}

// reload takes the cursor from the stream, makes the stream follow the
// database's current history, and re-snapshots when the stream lost
// changes that the pruned change log no longer holds.
func (c *Changefeed) reload(ctx context.Context) error {
	cur, streamLineage, err := c.loadCheckpoint(ctx)
	if err != nil {
		return err
	}
	if cur, err = c.resolveHistory(ctx, cur, streamLineage); err != nil {
		return err
	}
	if cur, err = c.catchUpLostStream(ctx, cur); err != nil {
		return err
	}
	if cur.Epoch != c.cur.Epoch {
		// A new stream history: what was published before says nothing
		// about what may be pruned now.
		c.prune = &pruner{delay: c.opts.PruneDelay}
	}
	c.cur, c.needReload, c.ahead = cur, false, nil
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

// captureProgressEvery is how often a long capture logs its progress.
const captureProgressEvery = 5 * time.Second

// captureProgress logs a capture's progress at most every
// captureProgressEvery, so that a bootstrap of a large database is not
// silent for minutes before the first publish.
func (c *Changefeed) captureProgress() func(int64) {
	start := c.now()
	last := start
	return func(rows int64) {
		now := c.now()
		if now.Sub(last) < captureProgressEvery {
			return
		}
		last = now
		c.log.Info("capturing the existing rows into the change log", "rows", rows,
			"per_second", int64(float64(rows)/now.Sub(start).Seconds()))
	}
}
