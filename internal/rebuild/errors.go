package rebuild

import "errors"

var (
	// ErrNoTurso reports a Turso rebuild without a database.
	ErrNoTurso = errors.New("rebuild: a Turso rebuild needs --turso")
	// ErrDiverged reports a cache that validation found wrong about what it
	// claims to have applied.
	ErrDiverged = errors.New("rebuild: cache diverged from Turso")
	// ErrNotCaptured reports a Turso rebuild of rows that memsync's change
	// log does not cover yet (the changefeed never ran on this database).
	ErrNotCaptured = errors.New("rebuild: Turso rows are not in the memsync change log yet (start the changefeed first)")
	// ErrOtherDatabase reports a Turso rebuild whose stream carries another
	// database (lineage) than the one it snapshots, for longer than the
	// changefeed needs to publish the new one.
	ErrOtherDatabase = errors.New("rebuild: the stream carries another database than Turso (is a changefeed running on this database?)")
	// ErrSource reports an unknown rebuild source.
	ErrSource = errors.New("rebuild: source must be turso or stream")
)
