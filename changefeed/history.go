package changefeed

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// A lineage names one history of change_ids (internal/turso/lineage.go).
// The stream must describe exactly one: the database's current one.

// checkHistory runs on every poll's snapshot: a database replaced under a
// running changefeed (another lineage) or restored to an earlier point
// (its head below the published cursor) is noticed at once.
func (c *Changefeed) checkHistory(b *readBatch) error {
	switch {
	case b.lineage != c.lineage:
		c.installed, c.needReload = false, true
		return fmt.Errorf("%w: the database's lineage is now %s (was %s)", ErrResync, b.lineage, c.lineage)
	case b.head < b.from:
		c.needReload = true
		return fmt.Errorf("%w: change-log head %d is below the published cursor %d", ErrResync, b.head, b.from)
	}
	return nil
}

// readFailed turns a read of a database without memsync's objects (a
// replaced database) into a re-install.
func (c *Changefeed) readFailed(err error) error {
	if errors.Is(err, turso.ErrNotInstalled) {
		c.installed = false
		return fmt.Errorf("%w: %v", ErrResync, err)
	}
	return err
}

// resolveHistory makes the stream follow the database's current history.
// A checkpoint of another lineage means the stream holds another history:
// its entity messages are dropped and everything is published again with
// a new message-id epoch. A checkpoint of this lineage whose cursor is
// above the database's head means the database was restored to an earlier
// point: it gets a new lineage first (its change_ids above the head will
// describe other changes than the stream's).
//
// INVARIANT 1 and 6: every change of the current history reaches the
// stream, and no entity of another history stays in it (a worker
// rebuilding from, or backfilling from, the stream sees only Turso's data).
func (c *Changefeed) resolveHistory(ctx context.Context, cur cursor, streamLineage string) (cursor, error) {
	if streamLineage == "" {
		return cur, nil // no checkpoint: a new, purged or re-created stream
	}
	if streamLineage == c.lineage {
		if forked, err := c.forkIfRestored(ctx, cur); err != nil || !forked {
			return cur, err
		}
	} else if err := c.confirmLineage(ctx); err != nil {
		return cur, err
	}
	c.log.Warn("stream holds another history of this database (replaced or restored); dropping it and re-publishing",
		"stream_lineage", streamLineage, "db_lineage", c.lineage, "stream_cursor", cur.Cursor)
	if err := c.dropHistory(ctx, cur.Seq); err != nil {
		return cur, err
	}
	return cursor{Seq: cur.Seq, Epoch: newEpoch()}, nil
}

// confirmLineage re-reads the lineage before acting on a mismatch, so a
// changefeed that had not yet noticed a replaced database never drops the
// stream of the database that replaced it.
func (c *Changefeed) confirmLineage(ctx context.Context) error {
	now, err := c.db.Lineage(ctx)
	if err != nil && !errors.Is(err, turso.ErrNotInstalled) {
		return err
	}
	if now != c.lineage {
		c.installed = false
		return fmt.Errorf("%w: the database's lineage is now %q (was %s)", ErrResync, now, c.lineage)
	}
	return nil
}

func (c *Changefeed) forkIfRestored(ctx context.Context, cur cursor) (bool, error) {
	head, err := c.db.Head(ctx)
	if err != nil || head >= cur.Cursor {
		return false, err
	}
	l, err := c.db.ForkLineage(ctx, c.lineage, cur.Cursor)
	if err != nil || l == c.lineage {
		return false, err
	}
	c.log.Warn("Turso's change log is behind the stream's cursor (restored to an earlier point); the database starts a new lineage",
		"head", head, "stream_cursor", cur.Cursor, "old_lineage", c.lineage, "new_lineage", l)
	c.lineage = l
	return true, nil
}

// dropHistory purges this database's entity messages below the checkpoint
// at seq: every one of them belongs to the previous history, since every
// entity message is published in a batch ending with a checkpoint and
// fenced on the one before. Messages of the new history (published by a
// competing changefeed after seq) are never touched, and the checkpoint
// stays, so the fence keeps working.
func (c *Changefeed) dropHistory(ctx context.Context, seq uint64) error {
	for _, e := range protocol.Entities {
		subj := protocol.EntityFilter(c.opts.DBName, e)
		if err := c.stream.Purge(ctx, jetstream.WithPurgeSubject(subj), jetstream.WithPurgeSequence(seq)); err != nil {
			return c.streamFailed(fmt.Errorf("changefeed: drop previous history (%s): %w", subj, err))
		}
	}
	return nil
}
