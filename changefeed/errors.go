package changefeed

import "errors"

var (
	// ErrFenced reports a batch rejected because another publisher moved the
	// checkpoint first; the cursor is reloaded from the stream.
	ErrFenced = errors.New("changefeed: checkpoint moved by another publisher")
	// ErrOptions reports invalid options.
	ErrOptions = errors.New("changefeed: invalid options")
	// ErrTooLarge reports a row whose message would exceed the server's
	// max payload, the stream's max message size or the header limit.
	ErrTooLarge = errors.New("changefeed: message too large")
	// ErrResync reports a step that found the database or the stream not
	// where the changefeed left them (another lineage, a restored database,
	// a deleted or purged stream); PollOnce re-synchronizes and tries again
	// at once.
	ErrResync = errors.New("changefeed: re-synchronizing with the database and the stream")
)

// ErrRateLimited reports a full re-capture asked within FullRecaptureEvery
// of the previous one; the error names when the next one is allowed.
var ErrRateLimited = errors.New("changefeed: full re-capture refused: rate limited")
