package protocol

import "fmt"

// DefaultMaxPayload is nats-server's default max_payload (1 MiB), the limit
// a reader that cannot ask the server assumes.
const DefaultMaxPayload int64 = 1 << 20

// MessageReserve is what an entity message may weigh besides its row data:
// the envelope's other fields and every header memsync and an atomic batch
// add, for a short id. Each id byte adds up to IDReservePerByte more (JSON
// escaping in "id", "id_b64", the message-id header's token).
const (
	MessageReserve   = 2048
	IDReservePerByte = 9
)

// EntityMessageBound is an upper bound of the bytes (body and headers) of
// the message carrying a row of dataLen bytes with an id of idLen bytes.
func EntityMessageBound(dataLen, idLen int) int64 {
	return int64(dataLen) + int64(idLen)*IDReservePerByte + MessageReserve
}

// CheckSyncable reports why a row with this id and data cannot travel as
// one message under a max payload of limit bytes (<= 0: DefaultMaxPayload),
// or nil. Publisher and validator share this rule, so that both agree on
// which rows are unsyncable.
func CheckSyncable(id string, dataLen int, limit int64) error {
	if limit <= 0 {
		limit = DefaultMaxPayload
	}
	if len(id) > MaxIDLen {
		return fmt.Errorf("%w: %d bytes is over the %d-byte limit", ErrBadID, len(id), MaxIDLen)
	}
	if n := EntityMessageBound(dataLen, len(id)); n > limit {
		return fmt.Errorf("%w: a row of %d bytes needs up to %d bytes on the wire, over the max payload of %d",
			ErrTooLarge, dataLen, n, limit)
	}
	return nil
}
