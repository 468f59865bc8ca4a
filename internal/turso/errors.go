package turso

import (
	"errors"
	"strings"
)

var (
	// ErrUnavailable reports a database that cannot be reached or opened.
	ErrUnavailable = errors.New("turso: database unavailable")
	// ErrBusy reports a lock held by another writer (SQLITE_BUSY); retry.
	ErrBusy = errors.New("turso: database is busy")
	// ErrNotInstalled reports a database without memsync's objects.
	ErrNotInstalled = errors.New("turso: memsync is not installed in this database")
	// ErrBadURL reports a database URL that does not parse; the error
	// never quotes its credentials.
	ErrBadURL = errors.New("turso: bad database URL")
	// ErrMalformedRow reports a row that cannot be turned into a message.
	ErrMalformedRow = errors.New("turso: malformed row")
)

// IsBusy reports whether err is SQLITE_BUSY / "database is locked".
func IsBusy(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrBusy) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "database is locked") || strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is busy")
}

var (
	// ErrBadCapture reports a capture progress record in memsync_meta that
	// does not parse (written by something else than memsync).
	ErrBadCapture = errors.New("turso: unreadable capture progress in memsync_meta")
	// ErrChangefeedLive reports that the database shows a changefeed (or a
	// capture) at work recently: uninstall refuses without force.
	ErrChangefeedLive = errors.New("turso: a changefeed is live on this database")
)
