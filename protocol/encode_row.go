package protocol

import (
	"encoding/json"
	"strconv"
)

// The one encoder of row data: the changefeed and validation both produce
// these exact bytes (MarshalRow's). Every field is written in the struct's
// order, as encoding/json does, and an id that is not valid UTF-8 gets its
// "<field>_b64" companion after the row's own fields (exactid.go).
//
// INVARIANT 1.1: AppendEpisode, AppendPattern and AppendEmbedding write byte
// for byte what json.Marshal wrote for the same row with its _b64
// companions (TestRowEncoderMatchesReference, FuzzRowEncoderMatchesReference).

// AppendEpisode appends the episode's row JSON to dst.
func AppendEpisode(dst []byte, r *Episode) []byte {
	dst = appendString(append(dst, `{"episode_id":`...), r.EpisodeID)
	dst = appendString(append(dst, `,"task_type":`...), r.TaskType)
	dst = appendString(append(dst, `,"task_description":`...), r.TaskDescription)
	dst = appendString(append(dst, `,"context":`...), r.Context)
	dst = strconv.AppendInt(append(dst, `,"start_time":`...), r.StartTime, 10)
	dst = appendIntPtr(append(dst, `,"end_time":`...), r.EndTime)
	dst = appendString(append(dst, `,"steps":`...), r.Steps)
	dst = appendStringPtr(append(dst, `,"outcome":`...), r.Outcome)
	dst = appendStringPtr(append(dst, `,"reward":`...), r.Reward)
	dst = appendStringPtr(append(dst, `,"reflection":`...), r.Reflection)
	dst = appendString(append(dst, `,"patterns":`...), r.Patterns)
	dst = appendString(append(dst, `,"heuristics":`...), r.Heuristics)
	dst = appendString(append(dst, `,"checkpoints":`...), r.Checkpoints)
	dst = appendString(append(dst, `,"metadata":`...), r.Metadata)
	dst = appendString(append(dst, `,"domain":`...), r.Domain)
	dst = appendStringPtr(append(dst, `,"language":`...), r.Language)
	dst = strconv.AppendInt(append(dst, `,"created_at":`...), r.CreatedAt, 10)
	dst = appendIntPtr(append(dst, `,"archived_at":`...), r.ArchivedAt)
	dst = appendExact(dst, `,"episode_id_b64":`, r.EpisodeID)
	return append(dst, '}')
}

// AppendPattern appends the pattern's row JSON to dst. A success rate that
// is not a finite number fails with encoding/json's error, dst unchanged.
func AppendPattern(dst []byte, r *Pattern) ([]byte, error) {
	start := len(dst)
	dst = appendString(append(dst, `{"pattern_id":`...), r.PatternID)
	dst = appendString(append(dst, `,"pattern_type":`...), r.PatternType)
	dst = appendString(append(dst, `,"pattern_data":`...), r.PatternData)
	dst, ok := appendFloat(append(dst, `,"success_rate":`...), r.SuccessRate)
	if !ok {
		_, err := json.Marshal(r.SuccessRate)
		return dst[:start], err
	}
	dst = appendStringPtr(append(dst, `,"context_domain":`...), r.ContextDomain)
	dst = appendStringPtr(append(dst, `,"context_language":`...), r.ContextLanguage)
	dst = appendStringPtr(append(dst, `,"context_tags":`...), r.ContextTags)
	dst = strconv.AppendInt(append(dst, `,"occurrence_count":`...), r.OccurrenceCount, 10)
	dst = strconv.AppendInt(append(dst, `,"created_at":`...), r.CreatedAt, 10)
	dst = strconv.AppendInt(append(dst, `,"updated_at":`...), r.UpdatedAt, 10)
	dst = appendExact(dst, `,"pattern_id_b64":`, r.PatternID)
	return append(dst, '}'), nil
}

// AppendEmbedding appends the embedding's row JSON to dst (the vector as
// base64 of its bytes; it is not validated here).
func AppendEmbedding(dst []byte, r *Embedding) []byte {
	dst = appendString(append(dst, `{"embedding_id":`...), r.EmbeddingID)
	dst = appendString(append(dst, `,"item_id":`...), r.ItemID)
	dst = appendString(append(dst, `,"item_type":`...), r.ItemType)
	dst = strconv.AppendInt(append(dst, `,"dimension":`...), int64(r.Dimension), 10)
	dst = appendString(append(dst, `,"model":`...), r.Model)
	dst = appendString(append(dst, `,"dtype":`...), r.DType)
	dst = appendBytes(append(dst, `,"vector":`...), r.Vector)
	dst = strconv.AppendInt(append(dst, `,"created_at":`...), r.CreatedAt, 10)
	dst = appendExact(dst, `,"embedding_id_b64":`, r.EmbeddingID)
	dst = appendExact(dst, `,"item_id_b64":`, r.ItemID)
	return append(dst, '}')
}

// appendExact appends an id's _b64 companion when the id needs one.
func appendExact(dst []byte, key, id string) []byte {
	if x := exactBytes(id); x != nil {
		dst = appendBytes(append(dst, key...), x)
	}
	return dst
}

// AppendRow appends an Episode, Pattern or Embedding (value or pointer) as
// message data; any other value is appended as json.Marshal encodes it.
func AppendRow(dst []byte, v any) ([]byte, error) {
	switch r := v.(type) {
	case *Episode:
		return AppendEpisode(dst, r), nil
	case Episode:
		return AppendEpisode(dst, &r), nil
	case *Pattern:
		return AppendPattern(dst, r)
	case Pattern:
		return AppendPattern(dst, &r)
	case *Embedding:
		return AppendEmbedding(dst, r), nil
	case Embedding:
		return AppendEmbedding(dst, &r), nil
	}
	b, err := json.Marshal(v)
	return append(dst, b...), err
}

// MarshalRow encodes an Episode, Pattern or Embedding (value or pointer) as
// message data. DecodeEpisode, DecodePattern and DecodeEmbedding read it back
// with byte-exact ids.
func MarshalRow(v any) ([]byte, error) { return marshalRow(v) }

func marshalRow(v any) ([]byte, error) {
	b, err := AppendRow(nil, v)
	if err != nil {
		return nil, err
	}
	return b, nil
}
