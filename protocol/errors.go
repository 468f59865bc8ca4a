package protocol

import "errors"

var (
	// ErrBadID reports an entity id that cannot be carried (too long).
	ErrBadID = errors.New("protocol: bad entity id")
	// ErrBadSubject reports a subject that is not a memsync subject.
	ErrBadSubject = errors.New("protocol: bad subject")
	// ErrBadEntity reports an unknown entity kind.
	ErrBadEntity = errors.New("protocol: unknown entity")
	// ErrBadOp reports an unknown operation.
	ErrBadOp = errors.New("protocol: unknown op")
	// ErrSchema reports a message written with an unsupported schema version.
	ErrSchema = errors.New("protocol: unsupported schema version")
	// ErrMalformed reports a body that does not decode.
	ErrMalformed = errors.New("protocol: malformed message")
	// ErrVector reports a vector whose length disagrees with its dimension.
	ErrVector = errors.New("protocol: bad vector")
	// ErrTooLarge reports a row too large to travel as one message.
	ErrTooLarge = errors.New("protocol: row too large for one message")
)
