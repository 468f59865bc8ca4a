package query

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/retrieval"
)

// Health is the serving worker's view of its lag (from the changefeed's
// heartbeats); a cache opened read-only has none.
type Health struct {
	Head   uint64
	Lag    uint64
	Stale  bool
	Reason string
}

// Cache is what Local serves: an open store, the retrieval index that
// follows it, and, when a worker runs on it, that worker's health.
type Cache struct {
	Store     *cachestore.Store
	Index     *retrieval.Index
	Health    func() Health // nil: no worker (read-only open)
	BuildTime time.Duration // time to build Index from Pebble
	follow    *follower     // set by OpenIndexed
	release   func()        // set by Reopener.Open
}

// LocalOptions configure a Local.
type LocalOptions struct {
	Worker string           // the worker name reported in status
	Now    func() time.Time // clock for as_of and recency; nil = time.Now
}

// Local implements Service over the cache this process holds.
type Local struct {
	worker string
	now    func() time.Time
	// mu is held shared by every request and exclusively by Attach and
	// Detach, so a cache is never closed or swapped under a request.
	mu  sync.RWMutex
	cur *Cache
}

var _ Service = (*Local)(nil)

// NewLocal returns a Local with nothing attached.
func NewLocal(opts *LocalOptions) *Local {
	if opts == nil {
		opts = &LocalOptions{}
	}
	l := &Local{worker: opts.Worker, now: opts.Now}
	if l.worker == "" {
		l.worker = "default"
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l
}

// Attach starts serving c.
func (l *Local) Attach(c *Cache) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur = c
}

// Detach stops serving the attached cache after the requests in flight
// finish; later requests get ErrUnavailable until the next Attach.
func (l *Local) Detach() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur = nil
}

// use runs fn with the attached cache, one snapshot of it and the
// freshness read from that snapshot.
func (l *Local) use(ctx context.Context, fn func(c *Cache, v *cachestore.View, f Freshness) error) error {
	return l.useCache(ctx, func(c *Cache, v *cachestore.View) error {
		f, err := l.freshness(c, v)
		if err != nil {
			return err
		}
		return fn(c, v, f)
	})
}

// useCache runs fn with the attached cache and one snapshot of it; the
// cache stays attached until fn returns.
func (l *Local) useCache(ctx context.Context, fn func(c *Cache, v *cachestore.View) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	c := l.cur
	if c == nil {
		return ErrUnavailable
	}
	return c.Store.View(func(v *cachestore.View) error { return fn(c, v) })
}

// freshness is computed from the same snapshot the answer is read from.
func (l *Local) freshness(c *Cache, v *cachestore.View) (Freshness, error) {
	st, err := v.State()
	if err != nil {
		return Freshness{}, err
	}
	f := Freshness{AppliedVersion: st.AppliedVersion, AsOf: l.now().UTC(), ServedBy: "cache", Stale: true,
		StaleReason: "no worker is running on this cache: it was opened read-only and is as of its last sync"}
	if st.LastSyncMs > 0 {
		t := time.UnixMilli(st.LastSyncMs).UTC()
		f.LastSync = &t
	}
	if c.Health != nil {
		h := c.Health()
		f.ServedBy, f.TursoHeadVersion, f.Lag, f.Stale, f.StaleReason = "worker", h.Head, h.Lag, h.Stale, h.Reason
	}
	return f, nil
}

func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadRequest, fmt.Sprintf(format, args...))
}

func checkLimit(limit, def, maxLimit int) (int, error) {
	switch {
	case limit < 0:
		return 0, badRequest("limit %d must be >= 0", limit)
	case limit > maxLimit:
		return 0, badRequest("limit %d is over the maximum of %d", limit, maxLimit)
	case limit == 0:
		return def, nil
	}
	return limit, nil
}
