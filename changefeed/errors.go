package changefeed

import "errors"

var (
	// ErrFenced reports a batch rejected because another publisher moved the
	// checkpoint first; the cursor is reloaded from the stream.
	ErrFenced = errors.New("changefeed: checkpoint moved by another publisher")
	// ErrOptions reports invalid options.
	ErrOptions = errors.New("changefeed: invalid options")
)

// ErrTooLarge reports a row whose message would exceed the server's max payload.
var ErrTooLarge = errors.New("changefeed: message too large")
