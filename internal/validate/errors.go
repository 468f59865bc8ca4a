package validate

import "errors"

// errStop ends a scan early; it never escapes the package.
var errStop = errors.New("validate: stop")
