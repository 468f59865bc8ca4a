package validate

import "context"

// Options tune a validation; the zero value (or nil) is usable.
type Options struct {
	// MaxMessageBytes is the max payload the changefeed's messages must fit
	// (the NATS connection's); rows over it are unsyncable, as the
	// changefeed judges them. 0: protocol.DefaultMaxPayload.
	MaxMessageBytes int64
	// betweenReads, set by tests, runs in judge between the reads of the
	// differing entities' versions and of whether the change log still
	// covers the unapplied changes: where a concurrent prune lands in the
	// race that order closes. nil in production.
	betweenReads func(context.Context) error
}
