package retrieval

import (
	"time"

	"github.com/memsync/memsync/protocol"
)

// Mutation is one committed change of a cached entity's data: Data is the
// protocol row JSON (the exact bytes stored in the cache), nil means the
// entity left the cache.
type Mutation struct {
	Kind protocol.Entity
	ID   string
	Data []byte
}

// Mode selects the ranking.
type Mode string

// Search modes.
const (
	ModeHybrid  Mode = "hybrid"
	ModeKeyword Mode = "keyword"
	ModeVector  Mode = "vector"
)

// Filter restricts the candidates before ranking. Zero fields do not filter.
// Values match exactly (case-sensitive), as the row holds them.
type Filter struct {
	Domain   string // episode.domain / pattern.context_domain
	TaskType string // episode.task_type; a TaskType filter excludes patterns
	Language string // episode.language / pattern.context_language
	Since    int64  // unix seconds: episode start_time / pattern updated_at >= Since
}

func (f Filter) empty() bool { return f == Filter{} }

// Query is one search.
type Query struct {
	Text    string
	Vector  []float32       // raw query vector (normalized by the index)
	Model   string          // optional: restrict to this embedding model
	Kind    protocol.Entity // "" = episodes and patterns; else only that kind
	Mode    Mode            // "" = hybrid if Text and Vector are both given, else whichever is
	Limit   int             // 0 = DefaultLimit; above MaxLimit -> ErrLimit
	Filter  Filter
	Exclude *Ref      // leave this entity out (similar-to)
	Now     time.Time // clock for recency; zero = time.Now()
}

// Ref names one entity.
type Ref struct {
	Kind protocol.Entity
	ID   string
}

// Hit is one result: an episode or a pattern.
type Hit struct {
	Kind   protocol.Entity `json:"kind"`
	ID     string          `json:"id"`
	Score  float64         `json:"score"`
	Scores Scores          `json:"scores"`
}

// Scores explain a Hit (--explain). Components that do not apply are zero.
type Scores struct {
	Keyword     float64 `json:"keyword,omitempty"`      // raw BM25
	Vector      float64 `json:"vector,omitempty"`       // cosine of the owner's best embedding
	KeywordRank int     `json:"keyword_rank,omitempty"` // 1-based rank in the keyword list, 0 = not in it
	VectorRank  int     `json:"vector_rank,omitempty"`  // 1-based rank in the vector list, 0 = not in it
	Relevance   float64 `json:"relevance,omitempty"`    // fused relevance in [0,1] (hybrid)
	Recency     float64 `json:"recency,omitempty"`      // [0,1] (hybrid)
	Reward      float64 `json:"reward,omitempty"`       // [0,1] (hybrid)
	Context     float64 `json:"context,omitempty"`      // [0,1] (hybrid)
}

// ModelDim is one embedding group: a model and a dimension.
type ModelDim struct {
	Model     string `json:"model"`
	Dimension int    `json:"dimension"`
	Count     int    `json:"count"`
}

// Stats describe the index.
type Stats struct {
	Episodes    int   `json:"episodes"`   // indexed episode documents
	Patterns    int   `json:"patterns"`   // indexed pattern documents
	Embeddings  int   `json:"embeddings"` // indexed (searchable) embeddings
	Terms       int   `json:"terms"`      // distinct keyword terms
	Postings    int   `json:"postings"`   // (term, document) pairs
	ApproxBytes int64 `json:"approx_bytes"`
	// Skipped counts cached entities that are not searchable because their
	// data did not decode or their vector is unusable (zero, NaN, Inf). It is
	// a gauge: a later good upsert or a removal takes the entity out.
	Skipped int `json:"skipped"`
}
