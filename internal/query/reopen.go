package query

import (
	"encoding/json"
	"os"
	"sync"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/retrieval"
)

// Reopener opens a cache read-only for one call at a time, for a session
// that outlives its calls (an MCP server with no worker running): Pebble's
// directory lock is exclusive, also for a read-only open, so a cache held
// between calls would keep the worker from starting on it and every other
// reader out. The retrieval index built for one call is kept for the next
// while the cache is unchanged: the same directory and the same durable
// state (every write to a cache commits its state, and a rebuild swaps in
// another directory).
//
// INVARIANT 7.5: the cache is held only from Open to the returned Cache's
// Close; calls of one Reopener take turns; a kept index is used only on the
// cache state it was built from.
type Reopener struct {
	dir  string
	opts cachestore.Options
	turn chan struct{} // one open at a time

	mu     sync.Mutex
	kept   *retrieval.Index
	keptOn cacheIdentity
	builds int
}

// cacheIdentity is what a kept index was built from.
type cacheIdentity struct {
	dir   os.FileInfo
	state []byte
}

func (a cacheIdentity) same(b cacheIdentity) bool {
	return a.dir != nil && b.dir != nil && os.SameFile(a.dir, b.dir) && string(a.state) == string(b.state)
}

// NewReopener returns a Reopener of the cache in dir, opened with opts
// (ReadOnly is forced).
func NewReopener(dir string, opts cachestore.Options) *Reopener {
	opts.ReadOnly = true
	return &Reopener{dir: dir, opts: opts, turn: make(chan struct{}, 1)}
}

// Open opens the cache for one call, with the retrieval index when
// withIndex (kept from an earlier call when the cache is unchanged, else
// built). Close the Cache to release the directory.
func (r *Reopener) Open(withIndex bool) (*Cache, error) {
	r.turn <- struct{}{}
	store, err := cachestore.Open(r.dir, &r.opts)
	if err != nil {
		<-r.turn
		return nil, err
	}
	c := &Cache{Store: store, release: sync.OnceFunc(func() { <-r.turn })}
	if !withIndex {
		c.Index = retrieval.New(nil)
		return c, nil
	}
	if c.Index, c.BuildTime, err = r.index(store); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// index returns the kept index when store is what it was built from, else
// builds one and keeps it.
func (r *Reopener) index(store *cachestore.Store) (*retrieval.Index, time.Duration, error) {
	id, err := identify(store)
	if err != nil {
		return nil, 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.kept != nil && r.keptOn.same(id) {
		return r.kept, 0, nil
	}
	idx := retrieval.New(nil)
	took, err := BuildIndex(idx, store)
	if err != nil {
		r.kept = nil
		return nil, 0, err
	}
	r.kept, r.keptOn, r.builds = idx, id, r.builds+1
	return idx, took, nil
}

// Builds is how many times an index was built (not kept).
func (r *Reopener) Builds() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.builds
}

func identify(store *cachestore.Store) (cacheIdentity, error) {
	fi, err := os.Stat(store.Dir())
	if err != nil {
		return cacheIdentity{}, err
	}
	st, err := json.Marshal(store.State())
	return cacheIdentity{dir: fi, state: st}, err
}
