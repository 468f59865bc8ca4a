package protocol

import (
	"encoding/json"
	"fmt"
)

// What a cache needs of a row without decoding all of it (cachestore's
// Change.Prepare): an episode's start_time, an embedding's owner. Each has
// a one-pass fast path for the form MarshalRow writes (any key order and
// spacing) and a json.Unmarshal reference that defines what is accepted
// and decides everything the fast path does not handle (decode_scan.go;
// FuzzEpisodeStartTimeFastVsReference, FuzzEmbeddingOwnerFastVsReference).

// episodeStart is what the reference decodes of an episode row;
// episodeFields are its JSON names.
type episodeStart struct {
	ID        *string `json:"episode_id"`
	StartTime *int64  `json:"start_time"`
}

var episodeFields = []string{"episode_id", "start_time"}

// EpisodeStartTime returns an episode row's start_time, checking that the
// row is a JSON object with a string episode_id and an integer start_time.
func EpisodeStartTime(data []byte) (int64, error) {
	if t, ok := episodeStartTimeFast(data); ok {
		return t, nil
	}
	return episodeStartTimeReference(data)
}

func episodeStartTimeReference(data []byte) (int64, error) {
	var v episodeStart
	if err := json.Unmarshal(data, &v); err != nil {
		return 0, fmt.Errorf("%w: episode: %v", ErrMalformed, err)
	}
	if v.ID == nil || v.StartTime == nil {
		return 0, fmt.Errorf("%w: episode without episode_id or start_time", ErrMalformed)
	}
	return *v.StartTime, nil
}

// episodeStartTimeFast accepts only rows the reference accepts, with the
// same start_time.
func episodeStartTimeFast(data []byte) (int64, bool) {
	o, ok := openObject(data, 0)
	if !ok {
		return 0, false
	}
	var t int64
	for {
		f, done, ok := o.next(episodeFields)
		if !ok {
			return 0, false
		}
		if done {
			return t, o.seen == 0b11 && o.end()
		}
		switch f {
		case 0:
			ok = o.isString()
		case 1:
			t, ok = o.int64()
		default:
			ok = o.skip()
		}
		if !ok {
			return 0, false
		}
	}
}

// embeddingFields are the JSON names of every field of embeddingWire.
var embeddingFields = []string{"embedding_id", "item_id", "item_type", "dimension", "model", "dtype", "vector",
	"created_at", "embedding_id_b64", "item_id_b64"}

var dtypeNames = []string{DTypeF32LE}

const (
	embID = iota
	embItemID
	embItemType
	embDimension
	embModel
	embDType
	embVector
	embCreatedAt
)

// EmbeddingOwner returns an embedding row's owner (item_type, item_id),
// after the validation DecodeEmbedding does (the same errors), without
// decoding the vector.
func EmbeddingOwner(data []byte) (Entity, string, error) {
	if kind, id, ok := embeddingOwnerFast(data); ok {
		return kind, id, nil
	}
	return embeddingOwnerReference(data)
}

func embeddingOwnerReference(data []byte) (Entity, string, error) {
	e, err := DecodeEmbedding(data)
	if err != nil {
		return "", "", err
	}
	return Entity(e.ItemType), e.ItemID, nil
}

// embeddingOwnerFast accepts only rows DecodeEmbedding accepts, with the
// same owner; a row that fails validation goes to the reference for its
// error.
func embeddingOwnerFast(data []byte) (kind Entity, id string, ok bool) {
	o, ok := openObject(data, 0)
	if !ok {
		return "", "", false
	}
	var (
		dim, vecLen int
		dtype       string
		s           string
	)
	for {
		f, done, ok := o.next(embeddingFields)
		if !ok {
			return "", "", false
		}
		if done {
			valid := dtype == DTypeF32LE && dim > 0 && vecLen == 4*dim && (kind == EntityEpisode || kind == EntityPattern)
			return kind, id, valid && o.end()
		}
		switch f {
		case embID, embModel:
			ok = o.isString()
		case embItemID:
			id, ok = o.str()
		case embItemType:
			s, ok = o.oneOf(entityNames)
			kind = Entity(s)
		case embDimension:
			dim, ok = o.int()
		case embDType:
			dtype, ok = o.oneOf(dtypeNames)
		case embVector:
			var b64 []byte
			if b64, ok = o.plain(); ok {
				vecLen, ok = base64Len(b64)
			}
		case embCreatedAt:
			_, ok = o.int64()
		case keyUnknown:
			ok = o.skip()
		default: // the _b64 companions
			ok = false
		}
		if !ok {
			return "", "", false
		}
	}
}

// base64Len is the length of the bytes the standard, padded base64 text s
// decodes to (what encoding/json does for a []byte field), or not ok when
// base64.StdEncoding would reject it. s comes from a plain JSON string, so
// it holds no '\r' or '\n' (which the decoder would skip).
func base64Len(s []byte) (int, bool) {
	if len(s)%4 != 0 {
		return 0, false
	}
	n := len(s)
	pad := 0
	if n > 0 && s[n-1] == '=' {
		pad = 1
		if s[n-2] == '=' {
			pad = 2
		}
	}
	for _, c := range s[:n-pad] {
		if !base64Byte[c] {
			return 0, false
		}
	}
	return n/4*3 - pad, true
}

var base64Byte = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
		t[c] = true
	}
	return t
}()
