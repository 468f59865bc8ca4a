package protocol

import (
	"strconv"
	"unicode/utf8"
)

// EncodeEnvelope marshals an envelope after validating it, into one buffer
// of the exact size. Data must be valid JSON: it is appended as is, neither
// re-validated nor re-compacted (rows are large, and MarshalRow wrote them).
//
// The bytes are those of the envelopeWire struct as encoding/json writes it
// with "data" moved last (TestEnvelopeEncoderMatchesReference): schema,
// entity, op, id, id_b64 when the id is not UTF-8, version, lineage, the
// episode's embeddings (or embeddings_b64) when listed, then data.
func EncodeEnvelope(e *Envelope) ([]byte, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	var scratch [512]byte
	head := appendEnvelopeHead(scratch[:0], e)
	out := make([]byte, 0, envelopeSize(len(head), len(e.Data)))
	return appendEnvelopeTail(append(out, head...), e.Data), nil
}

// envelopeSize is the length of an envelope of head bytes before "data".
func envelopeSize(head, data int) int {
	if data == 0 {
		return head + 1
	}
	return head + len(`,"data":`) + data + 1
}

func appendEnvelopeTail(dst, data []byte) []byte {
	if len(data) != 0 {
		dst = append(append(dst, `,"data":`...), data...)
	}
	return append(dst, '}')
}

// appendEnvelopeHead appends everything before "data", without the
// closing brace.
func appendEnvelopeHead(dst []byte, e *Envelope) []byte {
	dst = strconv.AppendInt(append(dst, `{"schema":`...), int64(e.Schema), 10)
	dst = appendString(append(dst, `,"entity":`...), string(e.Entity))
	dst = appendString(append(dst, `,"op":`...), string(e.Op))
	dst = appendString(append(dst, `,"id":`...), e.ID)
	dst = appendExact(dst, `,"id_b64":`, e.ID)
	dst = strconv.AppendUint(append(dst, `,"version":`...), e.Version, 10)
	dst = appendString(append(dst, `,"lineage":`...), e.Lineage)
	if e.Listed {
		dst = appendEmbeddingList(dst, e.Embeddings)
	}
	return dst
}

// appendEmbeddingList writes the listed ids as "embeddings", or all of
// them base64 as "embeddings_b64" when one is not valid UTF-8.
func appendEmbeddingList(dst []byte, ids []string) []byte {
	exact := false
	for _, id := range ids {
		if !utf8.ValidString(id) {
			exact = true
			break
		}
	}
	if exact {
		dst = append(dst, `,"embeddings_b64":[`...)
	} else {
		dst = append(dst, `,"embeddings":[`...)
	}
	for i, id := range ids {
		if i > 0 {
			dst = append(dst, ',')
		}
		if exact {
			dst = appendBytes(dst, []byte(id))
		} else {
			dst = appendString(dst, id)
		}
	}
	return append(dst, ']')
}
