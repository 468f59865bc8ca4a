package supervisor

import "errors"

var (
	// ErrRebuildLoop reports too many automatic rebuilds in a short time.
	ErrRebuildLoop = errors.New("supervisor: cache keeps failing after rebuilds; stopping for an operator")
	// ErrDiverged reports a cache that periodic validation found wrong, twice
	// in a row, about what it claims to have applied.
	ErrDiverged = errors.New("supervisor: cache diverged from Turso")
)
