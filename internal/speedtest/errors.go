package speedtest

import "errors"

var (
	// ErrBadEnv reports a benchmark size or rate in the
	// environment that is not a number in its range.
	ErrBadEnv = errors.New("speedtest: bad benchmark setting")
	// ErrMismatch reports a stage that moved another number of
	// rows than the data set holds: its rate would mean nothing.
	ErrMismatch = errors.New("speedtest: stage did not move the whole data set")
	// ErrLag reports a cold sync that ended before lag 0.
	ErrLag = errors.New("speedtest: cold sync ended behind the change log")
)
