package query

import (
	"sync"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/retrieval"
)

// maxPending bounds the data changes waiting for the index; past it the
// committing goroutine indexes them itself (memory stays bounded during a
// cold sync even if the indexer falls behind).
const maxPending = 1 << 16

// follower keeps a retrieval index in step with the cache off the apply
// path: a commit only queues its data changes; the indexer goroutine (owned
// by the Cache, stopped by Close) applies them, and every read that uses
// the index first applies whatever is still queued, so it sees every
// committed batch.
type follower struct {
	idx     *retrieval.Index
	mu      sync.Mutex // guards pending
	pending []retrieval.Mutation
	applyMu sync.Mutex // serialises drains: batches reach the index in commit order
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

func newFollower(idx *retrieval.Index) *follower {
	f := &follower{idx: idx, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go f.run()
	return f
}

// committed is the store's OnCommit: it queues the batch's changes.
func (f *follower) committed(changes []cachestore.DataChange) {
	f.mu.Lock()
	for _, c := range changes {
		f.pending = append(f.pending, retrieval.Mutation{Kind: c.Entity, ID: c.ID, Data: c.Data})
	}
	full := len(f.pending) >= maxPending
	f.mu.Unlock()
	if full {
		f.drain()
		return
	}
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// drain applies everything queued so far.
func (f *follower) drain() {
	f.applyMu.Lock()
	defer f.applyMu.Unlock()
	f.mu.Lock()
	muts := f.pending
	f.pending = nil
	f.mu.Unlock()
	if len(muts) > 0 {
		_ = f.idx.Apply(muts) // never fails: undecodable rows are counted in Stats
	}
}

func (f *follower) run() {
	defer close(f.done)
	for {
		select {
		case <-f.stop:
			return
		case <-f.kick:
			f.drain()
		}
	}
}

// close stops the indexer goroutine and waits for it.
func (f *follower) close() {
	close(f.stop)
	<-f.done
}
