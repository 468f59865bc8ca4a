package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/retrieval"
	"github.com/memsync/memsync/protocol"
)

func checkKind(k protocol.Entity, allowEmbedding bool) error {
	switch k {
	case protocol.EntityEpisode, protocol.EntityPattern:
		return nil
	case protocol.EntityEmbedding:
		if allowEmbedding {
			return nil
		}
	}
	want := "episode or pattern"
	if allowEmbedding {
		want = "episode, pattern or embedding"
	}
	return badRequest("unknown kind %q (want %s)", k, want)
}

func notFound(k protocol.Entity, id string) error {
	return fmt.Errorf("%w: %s %q", ErrNotFound, k, id)
}

// Get returns one cached entity.
func (l *Local) Get(ctx context.Context, r GetRequest) (*GetResponse, error) {
	if err := checkKind(r.Kind, true); err != nil {
		return nil, err
	}
	if r.ID == "" {
		return nil, badRequest("empty id")
	}
	var out *GetResponse
	err := l.use(ctx, func(_ *Cache, v *cachestore.View, f Freshness) error {
		data, version, err := v.Data(r.Kind, r.ID)
		if errors.Is(err, cachestore.ErrNotFound) {
			return notFound(r.Kind, r.ID)
		}
		if err != nil {
			return err
		}
		out = &GetResponse{Kind: r.Kind, ID: r.ID, Version: version, Freshness: f}
		out.Set(r.Kind, data)
		return nil
	})
	return out, err
}

// episodeFields are the fields filters look at.
type episodeFields struct {
	Domain    string  `json:"domain"`
	TaskType  string  `json:"task_type"`
	Language  *string `json:"language"`
	StartTime int64   `json:"start_time"`
}

func (f Filter) matchEpisode(data []byte) (bool, error) {
	if f == (Filter{}) {
		return true, nil
	}
	var e episodeFields
	if err := json.Unmarshal(data, &e); err != nil {
		return false, fmt.Errorf("%w: %v", cachestore.ErrCorrupt, err)
	}
	return (f.Domain == "" || e.Domain == f.Domain) && (f.TaskType == "" || e.TaskType == f.TaskType) &&
		(f.Language == "" || (e.Language != nil && *e.Language == f.Language)) && e.StartTime >= f.Since, nil
}

// Recent returns the most recent cached episodes that match the filter.
func (l *Local) Recent(ctx context.Context, r RecentRequest) (*RecentResponse, error) {
	limit, err := checkLimit(r.Limit, DefaultLimit, MaxLimit)
	if err != nil {
		return nil, err
	}
	out := &RecentResponse{Episodes: []json.RawMessage{}}
	err = l.use(ctx, func(c *Cache, v *cachestore.View, f Freshness) error {
		out.Freshness = f
		var idx *retrieval.Index
		if c.Index != nil && r.Filter != (Filter{}) {
			idx = c.index() // drained once per request, not per episode
		}
		return v.Recent(func(id string, start int64, data []byte) (bool, error) {
			if start < r.Since { // most recent first: nothing older follows
				return false, nil
			}
			ok, err := matchEpisode(idx, id, data, r.Filter)
			if ok {
				out.Episodes = append(out.Episodes, data)
			}
			return len(out.Episodes) < limit, err
		})
	})
	return out, err
}

// matchEpisode applies a filter; idx (when not nil) rules episodes out
// from its metadata without decoding them.
func matchEpisode(idx *retrieval.Index, id string, data []byte, f Filter) (bool, error) {
	if f == (Filter{}) {
		return true, nil
	}
	// A candidate is confirmed on its row, so every episode returned
	// matches as this snapshot holds it.
	if idx != nil {
		if m, known := idx.Match(protocol.EntityEpisode, id, retrieval.Filter(f)); known && !m {
			return false, nil
		}
	}
	return f.matchEpisode(data)
}

// Patterns lists cached patterns, optionally of one domain.
func (l *Local) Patterns(ctx context.Context, r PatternsRequest) (*PatternsResponse, error) {
	limit, err := checkLimit(r.Limit, MaxList, MaxList)
	if err != nil {
		return nil, err
	}
	out := &PatternsResponse{Patterns: []json.RawMessage{}}
	err = l.use(ctx, func(_ *Cache, v *cachestore.View, f Freshness) error {
		out.Freshness = f
		return v.ScanData(protocol.EntityPattern, func(_ string, data []byte) error {
			if len(out.Patterns) >= limit {
				return nil
			}
			if r.Domain != "" {
				var p struct {
					Domain *string `json:"context_domain"`
				}
				if json.Unmarshal(data, &p) != nil || p.Domain == nil || *p.Domain != r.Domain {
					return nil
				}
			}
			out.Patterns = append(out.Patterns, data)
			return nil
		})
	})
	return out, err
}

// Embeddings returns the cached embeddings of an owner.
func (l *Local) Embeddings(ctx context.Context, r EmbeddingsRequest) (*EmbeddingsResponse, error) {
	if err := checkKind(r.OwnerKind, false); err != nil {
		return nil, err
	}
	out := &EmbeddingsResponse{Embeddings: []json.RawMessage{}}
	err := l.use(ctx, func(_ *Cache, v *cachestore.View, f Freshness) error {
		out.Freshness = f
		return v.Owned(r.OwnerKind, r.OwnerID, func(_ string, data []byte) error {
			out.Embeddings = append(out.Embeddings, data)
			return nil
		})
	})
	return out, err
}

// Status describes the served cache.
func (l *Local) Status(ctx context.Context) (*StatusResponse, error) {
	var out *StatusResponse
	err := l.use(ctx, func(c *Cache, v *cachestore.View, f Freshness) error {
		n, err := v.Counts()
		if err != nil {
			return err
		}
		out = &StatusResponse{Worker: l.worker, Cache: c.Store.Dir(), Freshness: f,
			Counts: Counts{Episodes: n.Episodes, Patterns: n.Patterns, Embeddings: n.Embeddings}, Index: indexStats(c)}
		return nil
	})
	return out, err
}
