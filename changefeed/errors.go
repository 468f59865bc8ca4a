package changefeed

import "errors"

var (
	// ErrFenced reports a batch rejected because another publisher moved the
	// checkpoint first; the cursor is reloaded from the stream.
	ErrFenced = errors.New("changefeed: checkpoint moved by another publisher")
	// ErrOptions reports invalid options.
	ErrOptions = errors.New("changefeed: invalid options")
	// ErrStreamConfig reports a stream whose configuration cannot hold memsync's invariants.
	ErrStreamConfig = errors.New("changefeed: stream configuration unusable")
)

// ErrTooLarge reports a row whose message would exceed the server's max payload.
var ErrTooLarge = errors.New("changefeed: message too large")
