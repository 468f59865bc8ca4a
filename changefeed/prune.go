package changefeed

import (
	"context"
	"sync"
	"time"

	"github.com/memsync/memsync/internal/turso"
)

// pruner decides how far the change log may be pruned: at or below the
// newest checkpoint that has been in the stream for at least delay, so that
// a stream rolled back by JetStream's lazy fsync can be refilled from the log.
type pruner struct {
	mu      sync.Mutex
	delay   time.Duration
	pending []cursor // checkpoints not yet old enough, oldest first
	safe    uint64   // newest cursor old enough to prune below
	done    uint64   // pruned up to here
	backlog bool     // the last maybePrune left rows to prune: go on at the next step
	lastRun time.Time
}

func (p *pruner) published(c cursor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.PublishedAt == 0 || c.Cursor == 0 {
		return
	}
	p.pending = append(p.pending, c)
}

// target returns the highest change_id that may be pruned now.
func (p *pruner) target(now time.Time) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	cut := now.Add(-p.delay).UnixMilli()
	i := 0
	for ; i < len(p.pending) && p.pending[i].PublishedAt <= cut; i++ {
		p.safe = max(p.safe, p.pending[i].Cursor)
	}
	p.pending = p.pending[i:]
	return p.safe
}

// maybePrune prunes at most every few seconds, and at every step while a
// backlog remains, one chunk (turso.PruneChunkRows) per call.
//
// A backlog (the 2M rows a cold sync of 1M episodes leaves, found by the
// scale run: deleted in one go they held the changefeed's loop for a
// minute, so agents' writes were published 30-50 s late, and took the
// write lock from agents back to back, 19 of 100 writes/s got through) is
// pruned a chunk at every step instead, between the steps that publish:
// a chunk delays the next poll by as long as it takes (its DELETE took
// 12-13 ms in a transaction on the 1M-episode database), agents get the
// write lock between chunks, and an idle loop (a step every PollInterval,
// 25 ms for a local file) still prunes about 80k rows a second.
func (c *Changefeed) maybePrune(ctx context.Context) {
	now := time.Now()
	if !c.prune.backlog && now.Sub(c.prune.lastRun) < c.pruneEvery() {
		return
	}
	c.prune.lastRun = now
	upTo := c.prune.target(now)
	// INVARIANT 1: never prune above the published checkpoint.
	upTo = min(upTo, c.cur.Cursor)
	c.prune.backlog = false
	if upTo <= c.prune.done {
		return
	}
	n, err := c.db.PruneChunk(ctx, upTo)
	if err != nil {
		c.log.Debug("prune deferred", "error", err)
		return
	}
	c.stats.pruned.Add(uint64(n))
	if n < turso.PruneChunkRows {
		c.prune.done = upTo
		return
	}
	c.prune.backlog = true
}

func (c *Changefeed) pruneEvery() time.Duration {
	return min(5*time.Second, max(c.opts.PruneDelay, c.opts.PollInterval))
}
