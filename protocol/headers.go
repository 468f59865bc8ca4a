package protocol

// SchemaVersion is the protocol version this package writes and reads.
const SchemaVersion = 1

// Header names carried by every entity message (and the checkpoint).
const (
	HeaderSchema    = "Memsync-Schema"
	HeaderEntity    = "Memsync-Entity"
	HeaderOp        = "Memsync-Op"
	HeaderVersion   = "Memsync-Version"
	HeaderLineage   = "Memsync-Lineage"
	HeaderModel     = "Memsync-Model"
	HeaderDimension = "Memsync-Dimension"
	HeaderDType     = "Memsync-Dtype"
	HeaderMsgID     = "Nats-Msg-Id"
)

// DTypeF32LE names little-endian IEEE-754 float32 vectors.
const DTypeF32LE = "f32le"

// Dead-letter headers: the reason and which component parked the message.
const (
	HeaderError  = "Memsync-Error"
	HeaderSource = "Memsync-Source"
	// HeaderOrigSubject is the subject a dead-lettered stream message had.
	HeaderOrigSubject = "Memsync-Original-Subject"
)

// MetaTombstoneTTL is the stream metadata key holding the delete-tombstone
// retention (a Go duration; "0s" means forever).
const MetaTombstoneTTL = "memsync_tombstone_ttl"
