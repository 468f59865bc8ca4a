package speedtest

import (
	"sync"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// propagation pairs each agent write's commit time with the time the
// worker committed it to the cache (cachestore.Options.OnCommit).
type propagation struct {
	mu      sync.Mutex
	commits map[string]time.Time
	applied map[string]time.Time
	writes  []time.Duration // how long each agent write took
}

func newPropagation() *propagation {
	return &propagation{commits: map[string]time.Time{}, applied: map[string]time.Time{}}
}

func (p *propagation) committed(id string, at time.Time, took time.Duration) {
	p.mu.Lock()
	p.commits[id] = at
	p.writes = append(p.writes, took)
	p.mu.Unlock()
}

// writePercentiles are the agents' own write latencies.
func (p *propagation) writePercentiles() (p50, p99 time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return percentiles(p.writes)
}

// onCommit records the episodes an Apply wrote (drops are not applies).
func (p *propagation) onCommit(changes []cachestore.DataChange) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range changes {
		if c.Entity == protocol.EntityEpisode && c.Data != nil {
			if _, seen := p.applied[c.ID]; !seen {
				p.applied[c.ID] = now
			}
		}
	}
}

// done counts the committed writes the cache holds and names one it does
// not hold yet ("" when none).
func (p *propagation) done() (n int, missing string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id := range p.commits {
		if _, ok := p.applied[id]; ok {
			n++
		} else if missing == "" || id < missing {
			missing = id
		}
	}
	return n, missing
}

// percentiles of commit-to-applied over the writes applied (a write the
// worker applied before its writer noted the commit counts as 0).
func (p *propagation) percentiles() (p50, p99 time.Duration) {
	p.mu.Lock()
	var d []time.Duration
	for id, c := range p.commits {
		if a, ok := p.applied[id]; ok {
			d = append(d, max(0, a.Sub(c)))
		}
	}
	p.mu.Unlock()
	return percentiles(d)
}
