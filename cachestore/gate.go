package cachestore

import "sync"

// gate lets reads and writes in until Close, then waits for those in
// flight. Unlike a sync.RWMutex it never blocks an entering reader (a
// read inside another read's callback, e.g. validation's IsCached inside
// ScanCatalog, must not deadlock behind a waiting Close): once closing,
// entering fails instead.
type gate struct {
	mu      sync.Mutex
	n       int
	closing bool
	idle    sync.Cond
}

// enter admits one operation; false once the gate is closing.
func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing {
		return false
	}
	g.n++
	return true
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.n == 0 && g.closing {
		g.idle.Broadcast()
	}
}

// close stops admitting and waits for the operations in flight; false if
// it was already closed.
func (g *gate) close() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing {
		return false
	}
	g.closing = true
	if g.idle.L == nil {
		g.idle.L = &g.mu
	}
	for g.n > 0 {
		g.idle.Wait()
	}
	return true
}
