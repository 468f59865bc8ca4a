package retrieval

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrDimension reports a query vector whose dimension (and model, when
	// one is asked for) matches no cached embedding group. The concrete error
	// is a *DimensionError naming the groups held.
	ErrDimension = errors.New("retrieval: query vector dimension matches no cached embeddings")
	// ErrBadVector reports an empty or zero query vector, or one with a NaN
	// or infinite component.
	ErrBadVector = errors.New("retrieval: bad query vector")
	// ErrLimit reports a limit below 0 or above MaxLimit.
	ErrLimit = errors.New("retrieval: limit out of range")
	// ErrBadMode reports a search mode other than hybrid, keyword or vector.
	ErrBadMode = errors.New("retrieval: unknown search mode")
	// ErrBadKind reports a query kind other than episode, pattern or "".
	ErrBadKind = errors.New("retrieval: unknown kind")
	// ErrEmptyQuery reports a query with neither text nor vector (or without
	// the one its mode needs).
	ErrEmptyQuery = errors.New("retrieval: empty query")
	// ErrNoEmbedding is for callers: the entity has no cached embedding
	// (Index.Vector answers ok=false).
	ErrNoEmbedding = errors.New("retrieval: no cached embedding")
)

// DimensionError is the ErrDimension of a search: what the query asked for
// and every (model, dimension) group the cache holds.
type DimensionError struct {
	Dimension int
	Model     string // "" when the query did not restrict the model
	Held      []ModelDim
}

func (e *DimensionError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "retrieval: query vector has dimension %d", e.Dimension)
	if e.Model != "" {
		fmt.Fprintf(&sb, " (model %q)", e.Model)
	}
	sb.WriteString("; the cache holds ")
	if len(e.Held) == 0 {
		sb.WriteString("no embeddings")
		return sb.String()
	}
	for i, h := range e.Held {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%d (model %q)", h.Dimension, h.Model)
	}
	return sb.String()
}

// Unwrap makes errors.Is(err, ErrDimension) hold.
func (e *DimensionError) Unwrap() error { return ErrDimension }
