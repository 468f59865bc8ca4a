package rebuild

import "errors"

var (
	// ErrNoTurso reports a Turso rebuild without a database.
	ErrNoTurso = errors.New("rebuild: a Turso rebuild needs --turso")
	// ErrSource reports an unknown rebuild source.
	ErrSource = errors.New("rebuild: source must be turso or stream")
)
