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
	budget  time.Duration // the most one maybePrune spends (pruneBudget)
	pending []cursor      // checkpoints not yet old enough, oldest first
	safe    uint64        // newest cursor old enough to prune below
	done    uint64        // pruned up to here
	backlog bool          // the last maybePrune ran out of budget: go on at the next step
	lastRun time.Time
}

// pruneBudget bounds the time one maybePrune spends on the change log,
// chunks and the pauses between them included. A backlog (the 2M rows a
// cold sync of 1M episodes leaves, found by the scale run: deleted in one
// go they held the changefeed's loop for a minute, so agents' writes were
// published 30-50 s late, and took the write lock from agents back to
// back, 19 of 100 writes/s got through) is pruned a little at every step
// instead, between the steps that publish.
const pruneBudget = 50 * time.Millisecond

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

// maybePrune prunes at most every few seconds, or at every step while a
// backlog remains, for at most the pruner's budget (pruneChunks).
func (c *Changefeed) maybePrune(ctx context.Context) {
	now := time.Now()
	if !c.prune.backlog && now.Sub(c.prune.lastRun) < c.pruneEvery() {
		return
	}
	c.prune.lastRun = now
	upTo := c.prune.target(now)
	// INVARIANT: never prune above the published checkpoint.
	upTo = min(upTo, c.cur.Cursor)
	c.prune.backlog = false
	if upTo <= c.prune.done {
		return
	}
	c.prune.backlog = c.pruneChunks(ctx, upTo, now)
}

// pruneChunks deletes one chunk at a time (turso.PruneChunkRows), each
// followed by a pause as long as the chunk took, so that agents get the
// write lock between chunks, until none is left at or below upTo or the
// budget since started is spent. It reports rows left to prune.
func (c *Changefeed) pruneChunks(ctx context.Context, upTo uint64, started time.Time) (more bool) {
	for {
		start := time.Now()
		n, err := c.db.PruneChunk(ctx, upTo)
		if err != nil {
			c.log.Debug("prune deferred", "error", err)
			return false
		}
		c.stats.pruned.Add(uint64(n))
		if n < turso.PruneChunkRows {
			c.prune.done = upTo
			return false
		}
		took := time.Since(start)
		if time.Since(started)+2*took > c.prune.budget || !c.wait(ctx, took, nil) {
			return true
		}
	}
}

func (c *Changefeed) pruneEvery() time.Duration {
	return min(5*time.Second, max(c.opts.PruneDelay, c.opts.PollInterval))
}
