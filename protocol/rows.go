package protocol

import (
	"encoding/json"
	"fmt"
)

// Episode is an episodes row. JSON columns (context, steps, outcome, ...)
// travel verbatim as strings: Turso is the source of truth and its text is
// mirrored byte for byte, even when another writer stored invalid JSON.
// Text that is not valid UTF-8 is the exception: JSON carries each invalid
// byte as U+FFFD, except in ids, which MarshalRow and the Decode functions
// carry byte for byte (exactid.go).
type Episode struct {
	EpisodeID       string  `json:"episode_id"`
	TaskType        string  `json:"task_type"`
	TaskDescription string  `json:"task_description"`
	Context         string  `json:"context"`
	StartTime       int64   `json:"start_time"`
	EndTime         *int64  `json:"end_time"`
	Steps           string  `json:"steps"`
	Outcome         *string `json:"outcome"`
	Reward          *string `json:"reward"`
	Reflection      *string `json:"reflection"`
	Patterns        string  `json:"patterns"`
	Heuristics      string  `json:"heuristics"`
	Checkpoints     string  `json:"checkpoints"`
	Metadata        string  `json:"metadata"`
	Domain          string  `json:"domain"`
	Language        *string `json:"language"`
	CreatedAt       int64   `json:"created_at"`
	ArchivedAt      *int64  `json:"archived_at"`
}

// Pattern is a patterns row.
type Pattern struct {
	PatternID       string  `json:"pattern_id"`
	PatternType     string  `json:"pattern_type"`
	PatternData     string  `json:"pattern_data"`
	SuccessRate     float64 `json:"success_rate"`
	ContextDomain   *string `json:"context_domain"`
	ContextLanguage *string `json:"context_language"`
	ContextTags     *string `json:"context_tags"`
	OccurrenceCount int64   `json:"occurrence_count"`
	CreatedAt       int64   `json:"created_at"`
	UpdatedAt       int64   `json:"updated_at"`
}

// Embedding is an embeddings row. The vector travels as little-endian
// float32 bytes (base64 in JSON), whether Turso held it in embedding_vector
// or only in the embedding_data JSON column.
type Embedding struct {
	EmbeddingID string `json:"embedding_id"`
	ItemID      string `json:"item_id"`
	ItemType    string `json:"item_type"`
	Dimension   int    `json:"dimension"`
	Model       string `json:"model"`
	DType       string `json:"dtype"`
	Vector      []byte `json:"vector"`
	CreatedAt   int64  `json:"created_at"`
}

// Owner returns the embedding's owner kind, or an error for an unknown one.
func (e *Embedding) Owner() (Entity, error) {
	switch Entity(e.ItemType) {
	case EntityEpisode, EntityPattern:
		return Entity(e.ItemType), nil
	}
	return "", fmt.Errorf("%w: embedding %q has owner kind %q", ErrBadEntity, e.EmbeddingID, e.ItemType)
}

// Validate checks the vector against the declared dimension and dtype.
func (e *Embedding) Validate() error {
	if e.DType != DTypeF32LE {
		return fmt.Errorf("%w: embedding %q dtype %q", ErrVector, e.EmbeddingID, e.DType)
	}
	if e.Dimension <= 0 || len(e.Vector) != 4*e.Dimension {
		return fmt.Errorf("%w: embedding %q has %d bytes for dimension %d", ErrVector, e.EmbeddingID, len(e.Vector), e.Dimension)
	}
	_, err := e.Owner()
	return err
}

// DecodeEpisode parses episode data (episode_id from episode_id_b64 when present).
func DecodeEpisode(b []byte) (*Episode, error) {
	var w episodeWire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("%w: episode: %v", ErrMalformed, err)
	}
	w.EpisodeID = preferExact(w.EpisodeID, w.IDB64)
	return &w.Episode, nil
}

// DecodePattern parses pattern data (pattern_id from pattern_id_b64 when present).
func DecodePattern(b []byte) (*Pattern, error) {
	var w patternWire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("%w: pattern: %v", ErrMalformed, err)
	}
	w.PatternID = preferExact(w.PatternID, w.IDB64)
	return &w.Pattern, nil
}

// DecodeEmbedding parses and validates embedding data (embedding_id and
// item_id from their _b64 companions when present).
func DecodeEmbedding(b []byte) (*Embedding, error) {
	var w embeddingWire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("%w: embedding: %v", ErrMalformed, err)
	}
	w.EmbeddingID = preferExact(w.EmbeddingID, w.IDB64)
	w.ItemID = preferExact(w.ItemID, w.ItemB64)
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return &w.Embedding, nil
}
