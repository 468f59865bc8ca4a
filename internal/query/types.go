package query

import (
	"context"
	"encoding/json"
	"time"

	"github.com/memsync/memsync/protocol"
)

// Service is the read API of a cache.
type Service interface {
	Get(ctx context.Context, r GetRequest) (*GetResponse, error)
	Recent(ctx context.Context, r RecentRequest) (*RecentResponse, error)
	Search(ctx context.Context, r SearchRequest) (*SearchResponse, error)
	Patterns(ctx context.Context, r PatternsRequest) (*PatternsResponse, error)
	Embeddings(ctx context.Context, r EmbeddingsRequest) (*EmbeddingsResponse, error)
	Status(ctx context.Context) (*StatusResponse, error)
}

// Limits every transport enforces the same way.
const (
	DefaultLimit = 10
	MaxLimit     = 100 // search hits and recent episodes per request
)

// Freshness says how up to date an answer is. Head and lag come from the
// changefeed's heartbeat as the worker last saw it; with no running worker
// (a cache opened read-only) they are 0 and the answer is stale.
type Freshness struct {
	AppliedVersion   uint64     `json:"applied_version"`
	TursoHeadVersion uint64     `json:"turso_head_version"`
	Lag              uint64     `json:"lag"`
	Stale            bool       `json:"stale"`
	StaleReason      string     `json:"stale_reason,omitempty"`
	AsOf             time.Time  `json:"as_of"`
	LastSync         *time.Time `json:"last_sync"`
	ServedBy         string     `json:"served_by"` // "worker" (live) or "cache" (opened read-only)
}

// Rows holds one entity's row JSON (the protocol's row, as on the wire)
// under its kind's name: {"episode": {...}} and so on.
type Rows struct {
	Episode   json.RawMessage `json:"episode,omitempty"`
	Pattern   json.RawMessage `json:"pattern,omitempty"`
	Embedding json.RawMessage `json:"embedding,omitempty"`
}

// Set stores row under kind.
func (r *Rows) Set(kind protocol.Entity, row json.RawMessage) {
	switch kind {
	case protocol.EntityEpisode:
		r.Episode = row
	case protocol.EntityPattern:
		r.Pattern = row
	case protocol.EntityEmbedding:
		r.Embedding = row
	}
}

// GetRequest names one entity.
type GetRequest struct {
	Kind protocol.Entity `json:"kind"`
	ID   string          `json:"id"`
}

// GetResponse is {"kind", "id", "version", "<kind>": {row}, "freshness"}.
type GetResponse struct {
	Kind    protocol.Entity `json:"kind"`
	ID      string          `json:"id"`
	Version uint64          `json:"version"`
	Rows
	Freshness Freshness `json:"freshness"`
}

// Filter restricts recent episodes and search hits; applied before ranking.
type Filter struct {
	Domain   string `json:"domain,omitempty"`
	TaskType string `json:"task_type,omitempty"`
	Language string `json:"language,omitempty"`
	Since    int64  `json:"since,omitempty"` // unix seconds: episodes' start_time, patterns' updated_at
}

// RecentRequest asks for the most recent cached episodes.
type RecentRequest struct {
	Limit int `json:"limit,omitempty"` // 0 = DefaultLimit
	Filter
}

// RecentResponse is {"episodes": [row...], "freshness"}.
type RecentResponse struct {
	Episodes  []json.RawMessage `json:"episodes"`
	Freshness Freshness         `json:"freshness"`
}

// SearchRequest is one keyword, vector or hybrid search.
type SearchRequest struct {
	Text      string          `json:"text,omitempty"`
	SimilarTo string          `json:"similar_to,omitempty"` // an entity id: its own embedding is the query vector, itself left out
	Vector    []float32       `json:"vector,omitempty"`
	Model     string          `json:"model,omitempty"`
	Kind      protocol.Entity `json:"kind,omitempty"` // "episode", "pattern" or "" for both
	Mode      string          `json:"mode,omitempty"` // "hybrid", "keyword", "vector" or "" (hybrid when text and a vector are given, else the one given)
	Limit     int             `json:"limit,omitempty"`
	Filter
	Explain bool `json:"explain,omitempty"`
}

// Scores are the components of a hit's score (see internal/retrieval for
// the formula).
type Scores struct {
	Keyword     float64 `json:"keyword"`
	Vector      float64 `json:"vector"`
	KeywordRank int     `json:"keyword_rank,omitempty"`
	VectorRank  int     `json:"vector_rank,omitempty"`
	Relevance   float64 `json:"relevance,omitempty"`
	Recency     float64 `json:"recency,omitempty"`
	Reward      float64 `json:"reward,omitempty"`
	Context     float64 `json:"context,omitempty"`
}

// Hit is one search result with its row.
type Hit struct {
	Kind   protocol.Entity `json:"kind"`
	ID     string          `json:"id"`
	Score  float64         `json:"score"`
	Scores Scores          `json:"scores"`
	Rows
}

// SearchResponse is {"hits": [...], "mode", "freshness"}.
type SearchResponse struct {
	Hits      []Hit     `json:"hits"`
	Mode      string    `json:"mode"`
	Freshness Freshness `json:"freshness"`
}

// PatternsRequest lists cached patterns, optionally of one domain.
type PatternsRequest struct {
	Domain string `json:"domain,omitempty"`
	Limit  int    `json:"limit,omitempty"` // 0 = all (up to MaxList)
}

// MaxList bounds a patterns list.
const MaxList = 10000

// PatternsResponse is {"patterns": [row...], "freshness"}.
type PatternsResponse struct {
	Patterns  []json.RawMessage `json:"patterns"`
	Freshness Freshness         `json:"freshness"`
}

// EmbeddingsRequest names an owner.
type EmbeddingsRequest struct {
	OwnerKind protocol.Entity `json:"owner_kind"`
	OwnerID   string          `json:"owner_id"`
}

// EmbeddingsResponse is {"embeddings": [row...], "freshness"}.
type EmbeddingsResponse struct {
	Embeddings []json.RawMessage `json:"embeddings"`
	Freshness  Freshness         `json:"freshness"`
}

// IndexStats describes the retrieval indexes held in memory.
type IndexStats struct {
	Episodes    int     `json:"episodes"`
	Patterns    int     `json:"patterns"`
	Embeddings  int     `json:"embeddings"`
	Terms       int     `json:"terms"`
	ApproxBytes int64   `json:"approx_bytes"`
	BuildMs     float64 `json:"build_ms"` // time to build from Pebble when the cache was opened
	Skipped     int     `json:"skipped,omitempty"`
	Dimensions  []Dim   `json:"dimensions"`
}

// Dim is one (model, dimension) group of cached embeddings.
type Dim struct {
	Model     string `json:"model"`
	Dimension int    `json:"dimension"`
	Count     int    `json:"count"`
}

// StatusResponse describes the cache being served.
type StatusResponse struct {
	Worker    string     `json:"worker"`
	Cache     string     `json:"cache"`
	Counts    Counts     `json:"counts"`
	Index     IndexStats `json:"index"`
	Freshness Freshness  `json:"freshness"`
}

// Counts are the numbers of cached entities per kind.
type Counts struct {
	Episodes   int `json:"episodes"`
	Patterns   int `json:"patterns"`
	Embeddings int `json:"embeddings"`
}
