package cachestore

import (
	"errors"
	"fmt"
)

var (
	// ErrLocked reports a cache directory held by another process.
	ErrLocked = errors.New("cachestore: cache directory is locked by another process")
	// ErrCorrupt reports a cache that cannot be trusted; rebuild it.
	ErrCorrupt = errors.New("cachestore: cache is corrupt")
	// ErrNotFound reports an entity that is not cached.
	ErrNotFound = errors.New("cachestore: not found")
	// ErrConfigChanged reports a cache opened with a different window or toggles
	// than it was built with.
	ErrConfigChanged = errors.New("cachestore: cache was built with different options")
	// ErrBodyUnavailable reports a backfill whose body could not be found.
	ErrBodyUnavailable = errors.New("cachestore: backfill body unavailable")
	// ErrClosed reports use after Close.
	ErrClosed = errors.New("cachestore: store is closed")
	// ErrNoCache reports a read-only open of a directory that holds no cache.
	ErrNoCache = errors.New("cachestore: no cache")
	// ErrReadOnly reports a write to a store opened with Options.ReadOnly.
	ErrReadOnly = errors.New("cachestore: store is open read-only")
)

// errNoScanner reports a recall that needs a source able to scan (horizon.go).
func errNoScanner(what string) error {
	return fmt.Errorf("%w: cannot %s without a source that scans the stream", ErrBodyUnavailable, what)
}
