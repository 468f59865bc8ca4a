// Package protocol defines memsync's names and bytes on the wire: JetStream
// subjects, message headers, JSON bodies of entity changes and checkpoints,
// the binary float32 vector encoding, and the sync.trigger request/reply.
//
// It imports only the standard library so that any program (Go or not) can
// follow the same contract; protocol/README.md documents it for non-Go
// consumers and testdata/*.golden pins the exact bytes.
//
// Versioning: every message carries SchemaVersion in the Memsync-Schema header
// and the "schema" body field. Decoders reject versions they do not know
// (ErrSchema) instead of guessing.
package protocol
