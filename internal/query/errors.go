package query

import "errors"

var (
	// ErrNotFound reports an id that is not in the cache (exit 1, HTTP 404).
	ErrNotFound = errors.New("query: not in the cache")
	// ErrBadRequest reports invalid input; the message names the problem
	// (exit 2, HTTP 400).
	ErrBadRequest = errors.New("query: bad request")
	// ErrUnavailable reports a cache that is being opened, rebuilt or
	// replaced: retry shortly (HTTP 503).
	ErrUnavailable = errors.New("query: cache is being replaced, retry")
)
