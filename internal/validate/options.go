package validate

// Options tune a validation; the zero value (or nil) is usable.
type Options struct {
	// MaxMessageBytes is the max payload the changefeed's messages must fit
	// (the NATS connection's); rows over it are unsyncable, as the
	// changefeed judges them. 0: protocol.DefaultMaxPayload.
	MaxMessageBytes int64
}
