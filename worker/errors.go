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
	// ErrPoison reports a message that cannot be decoded or applied.
	ErrPoison = errors.New("worker: poison message")
)
