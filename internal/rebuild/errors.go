package rebuild

import "errors"

var (
	// ErrNoTurso reports a Turso rebuild without a database.
	ErrNoTurso = errors.New("rebuild: a Turso rebuild needs --turso")
	// ErrNotCaptured reports a Turso rebuild of rows that memsync's change
	// log does not cover yet (the changefeed never ran on this database).
	ErrNotCaptured = errors.New("rebuild: Turso rows are not in the memsync change log yet (start the changefeed first)")
	// ErrOtherDatabase reports a Turso rebuild whose stream carries another
	// database (lineage) than the one it snapshots, for longer than the
	// changefeed needs to publish the new one.
	ErrOtherDatabase = errors.New("rebuild: the stream carries another database than Turso (is a changefeed running on this database?)")
	// ErrSource reports an unknown rebuild source.
	ErrSource = errors.New("rebuild: source must be turso or stream")
	// ErrAsideBudget reports a negative keep-aside budget.
	ErrAsideBudget = errors.New("rebuild: keep-aside budget must not be negative")
)
