package worker

import "errors"

var (
	// ErrStreamReplaced reports a stream deleted, purged or recreated under the
	// cache: the cache must be rebuilt.
	ErrStreamReplaced = errors.New("worker: stream was recreated or purged under this cache")
	// ErrLineageChanged reports messages from a different database than the
	// cache was built from.
	ErrLineageChanged = errors.New("worker: stream now carries another database")
	// ErrOptions reports invalid options.
	ErrOptions = errors.New("worker: invalid options")
	// ErrTombstonesExpired reports a cache offline for longer than the
	// stream keeps delete tombstones: deletes may have been missed.
	ErrTombstonesExpired = errors.New("worker: cache was offline longer than the delete-tombstone retention")
	// ErrStuck reports a batch that keeps failing because a body the cache
	// needs is gone from the stream; only a rebuild repairs it.
	ErrStuck = errors.New("worker: batch cannot be applied")
)
