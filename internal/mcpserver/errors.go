package mcpserver

import (
	"errors"
	"fmt"

	"github.com/memsync/memsync/protocol"
)

var (
	// ErrNoAnswer reports a service that returned neither an answer nor an
	// error (a bug in the service; the tool call fails instead of sending
	// a null result).
	ErrNoAnswer = errors.New("mcpserver: the query service returned no answer")
	// ErrNotCached reports an id that is not in the cache. The concrete
	// error is a *NotCachedError, whose message names the entity.
	ErrNotCached = errors.New("mcpserver: not in the cache")
)

// NotCachedError is the tool error of a get whose id is not in the cache:
// "episode ep-1 is not in the cache".
type NotCachedError struct {
	Kind protocol.Entity
	ID   string
}

func (e *NotCachedError) Error() string {
	return fmt.Sprintf("%s %s is not in the cache", e.Kind, e.ID)
}

// Unwrap makes errors.Is(err, ErrNotCached) hold.
func (e *NotCachedError) Unwrap() error { return ErrNotCached }
