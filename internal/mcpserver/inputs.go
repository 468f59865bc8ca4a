package mcpserver

import (
	"github.com/memsync/memsync/internal/query"
	"github.com/memsync/memsync/protocol"
)

// The tools' inputs. Their JSON schemas are inferred from these structs
// (descriptions from the jsonschema tags; fields without omitempty are
// required) and tightened by the constraints in tools.go.

// QueryMemoryInput is the input of query_memory.
type QueryMemoryInput struct {
	Query    string `json:"query" jsonschema:"what to look for, in plain words (a task, an error message, a technique)"`
	Domain   string `json:"domain,omitempty" jsonschema:"only memories of this domain (exact match, e.g. web-api)"`
	TaskType string `json:"task_type,omitempty" jsonschema:"only episodes of this task type (exact match, e.g. code_generation); excludes patterns"`
	Language string `json:"language,omitempty" jsonschema:"only memories of this programming language (exact match, e.g. rust)"`
	Limit    int    `json:"limit,omitempty" jsonschema:"how many hits to return, 1 to 100 (default 10)"`
	Mode     string `json:"mode,omitempty" jsonschema:"ranking: hybrid (default: keyword relevance blended with recency, reward and context), keyword (text relevance only) or vector (needs a cached embedding model; not useful with text alone)"`
	Kind     string `json:"kind,omitempty" jsonschema:"only episodes or only patterns (default both)"`
}

func (in QueryMemoryInput) request() query.SearchRequest {
	return query.SearchRequest{
		Text:   in.Query,
		Kind:   protocol.Entity(in.Kind),
		Mode:   in.Mode,
		Limit:  in.Limit,
		Filter: query.Filter{Domain: in.Domain, TaskType: in.TaskType, Language: in.Language},
	}
}

// GetEpisodeInput is the input of get_episode.
type GetEpisodeInput struct {
	EpisodeID string `json:"episode_id" jsonschema:"the episode's id (episode_id), as a search or recent_episodes hit gives it"`
}

// RecentEpisodesInput is the input of recent_episodes.
type RecentEpisodesInput struct {
	Limit    int    `json:"limit,omitempty" jsonschema:"how many episodes to return, newest first (by start_time), 1 to 100 (default 10)"`
	Domain   string `json:"domain,omitempty" jsonschema:"only episodes of this domain (exact match)"`
	TaskType string `json:"task_type,omitempty" jsonschema:"only episodes of this task type (exact match)"`
	Language string `json:"language,omitempty" jsonschema:"only episodes of this programming language (exact match)"`
	Since    int64  `json:"since,omitempty" jsonschema:"only episodes that started at or after this time, in unix seconds"`
}

func (in RecentEpisodesInput) request() query.RecentRequest {
	return query.RecentRequest{
		Limit:  in.Limit,
		Filter: query.Filter{Domain: in.Domain, TaskType: in.TaskType, Language: in.Language, Since: in.Since},
	}
}

// SearchByEmbeddingInput is the input of search_by_embedding.
type SearchByEmbeddingInput struct {
	Embedding []float32 `json:"embedding" jsonschema:"the query vector; its dimension must match an embedding model the cache holds (memory_status lists them)"`
	Kind      string    `json:"kind,omitempty" jsonschema:"only episodes or only patterns (default both)"`
	Limit     int       `json:"limit,omitempty" jsonschema:"how many hits to return, 1 to 100 (default 10)"`
	Model     string    `json:"model,omitempty" jsonschema:"compare only with embeddings of this model (e.g. all-MiniLM-L6-v2)"`
	Domain    string    `json:"domain,omitempty" jsonschema:"only memories of this domain (exact match)"`
	TaskType  string    `json:"task_type,omitempty" jsonschema:"only episodes of this task type (exact match); excludes patterns"`
}

func (in SearchByEmbeddingInput) request() query.SearchRequest {
	return query.SearchRequest{
		Vector: in.Embedding,
		Model:  in.Model,
		Kind:   protocol.Entity(in.Kind),
		Mode:   modeVector,
		Limit:  in.Limit,
		Filter: query.Filter{Domain: in.Domain, TaskType: in.TaskType},
	}
}

// SearchPatternsInput is the input of search_patterns.
type SearchPatternsInput struct {
	Query  string `json:"query" jsonschema:"what the pattern should be about, in plain words"`
	Domain string `json:"domain,omitempty" jsonschema:"only patterns of this context domain (exact match)"`
	Limit  int    `json:"limit,omitempty" jsonschema:"how many patterns to return, 1 to 100 (default 10)"`
}

// request searches patterns in hybrid mode: with text only that is keyword
// relevance blended with recency (updated_at), reward (success_rate) and
// context, so a proven, recent pattern outranks a stale one that merely
// shares more words.
func (in SearchPatternsInput) request() query.SearchRequest {
	return query.SearchRequest{
		Text:   in.Query,
		Kind:   protocol.EntityPattern,
		Mode:   modeHybrid,
		Limit:  in.Limit,
		Filter: query.Filter{Domain: in.Domain},
	}
}

// StatusInput is the (empty) input of memory_status.
type StatusInput struct{}

// Search modes and kinds, as the service names them.
const (
	modeHybrid  = "hybrid"
	modeKeyword = "keyword"
	modeVector  = "vector"
)

var (
	modes = []string{modeHybrid, modeKeyword, modeVector}
	kinds = []string{string(protocol.EntityEpisode), string(protocol.EntityPattern)}
)
