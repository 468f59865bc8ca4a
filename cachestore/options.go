package cachestore

import (
	"fmt"
	"time"
)

// DefaultMaxEpisodes is the default episode window.
const DefaultMaxEpisodes = 1000

// Options configure a Store. A nil *Options means DefaultOptions().
type Options struct {
	// MaxEpisodes bounds the cached episodes; 0 means unbounded.
	MaxEpisodes int
	// NoPatterns disables caching patterns (and so their embeddings).
	NoPatterns bool
	// NoEmbeddings disables caching embeddings.
	NoEmbeddings bool
	// UseStored opens an existing cache with the options it was built with
	// (read-only tools: validate, status) instead of refusing a mismatch.
	UseStored bool
	// SkipVerify skips the integrity scan on Open (every block is read, so
	// checksum errors surface as ErrCorrupt before the cache serves reads).
	SkipVerify bool
	// ReadOnly opens the cache for reading only (the read commands on a
	// cache no process serves): nothing is written, not even the owner
	// file, and Apply and the other writes fail with ErrReadOnly. Pebble
	// still takes the directory lock for as long as the store is open.
	ReadOnly bool
	// LockWait is how long Open waits for a directory locked by another
	// process before it fails with ErrLocked (0: fail at once). A worker
	// waits so that a read command holding the cache for a moment does not
	// stop it from starting.
	LockWait time.Duration
	// GCBudget is how many catalog entries the delete-tombstone collector
	// visits per Apply (0: DefaultGCBudget; negative: never collect). Work
	// per Apply stays bounded; a full pass over a catalog of N entries takes
	// N/GCBudget batches and resumes after a restart (gc.go).
	GCBudget int
	// Reserve is how many live episodes beyond the window the catalog
	// keeps knowing; the least recent others are forgotten and found again
	// in the stream when the window needs them (horizon.go). 0:
	// max(MaxEpisodes, DefaultReserve); negative: know them all. Unused
	// with an unbounded window.
	Reserve int
	// BlockCacheSize is the size in bytes of the cache's Pebble block cache
	// (0: DefaultBlockCacheSize). It counts in the process's memory once
	// the blocks read fill it; Apply's bookkeeping reads (catalog, owner
	// index, window keys) stay in it.
	BlockCacheSize int64
	// OnCommit, when set, is called after every committed Apply with the
	// data changes it made, in the applying goroutine, before Apply
	// returns (the retrieval indexes follow the cache this way).
	OnCommit func([]DataChange)
}

// DefaultBlockCacheSize is the block cache of a store when
// Options.BlockCacheSize is 0: four times Pebble's default, enough for the
// bookkeeping keys of a large catalog, within memsync's 150 MB budget.
const DefaultBlockCacheSize = 32 << 20

func (o *Options) blockCacheSize() int64 {
	if o.BlockCacheSize == 0 {
		return DefaultBlockCacheSize
	}
	return o.BlockCacheSize
}

// validate rejects options no store can be opened with.
func (o *Options) validate() error {
	if o.MaxEpisodes < 0 {
		return fmt.Errorf("cachestore: max episodes %d must be >= 0", o.MaxEpisodes)
	}
	if o.BlockCacheSize < 0 {
		return fmt.Errorf("cachestore: block cache size %d must be >= 0", o.BlockCacheSize)
	}
	return nil
}

// DefaultOptions returns the defaults: 1000 episodes, patterns and embeddings on.
func DefaultOptions() *Options { return &Options{MaxEpisodes: DefaultMaxEpisodes} }

// config is what a cache was built with; it is persisted and checked on Open.
type config struct {
	Format       int  `json:"format"`
	MaxEpisodes  int  `json:"max_episodes"`
	NoPatterns   bool `json:"no_patterns"`
	NoEmbeddings bool `json:"no_embeddings"`
}

const layoutFormat = 1

func (o *Options) config() config {
	return config{Format: layoutFormat, MaxEpisodes: o.MaxEpisodes, NoPatterns: o.NoPatterns, NoEmbeddings: o.NoEmbeddings}
}
