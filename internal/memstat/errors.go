package memstat

import "errors"

// ErrBadSize reports a memory size that is not a non-negative number of
// bytes with an optional unit (ParseSize).
var ErrBadSize = errors.New("memstat: bad size")
