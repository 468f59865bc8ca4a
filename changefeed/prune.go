package changefeed

import (
	"context"
	"sync"
	"time"
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

// maybePrune prunes at most every few seconds.
func (c *Changefeed) maybePrune(ctx context.Context) {
	now := time.Now()
	if now.Sub(c.prune.lastRun) < c.pruneEvery() {
		return
	}
	c.prune.lastRun = now
	upTo := c.prune.target(now)
	// INVARIANT: never prune above the published checkpoint.
	upTo = min(upTo, c.cur.Cursor)
	if upTo <= c.prune.done {
		return
	}
	n, err := c.db.Prune(ctx, upTo)
	if err != nil {
		c.log.Debug("prune deferred", "error", err)
		return
	}
	c.prune.done = upTo
	c.stats.pruned.Add(uint64(n))
}

func (c *Changefeed) pruneEvery() time.Duration {
	return min(5*time.Second, max(c.opts.PruneDelay, c.opts.PollInterval))
}
