package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/retrieval"
	"github.com/memsync/memsync/protocol"
)

// Search runs a keyword, vector or hybrid search over the attached cache's
// index; hits carry their rows, read from the request's snapshot.
func (l *Local) Search(ctx context.Context, r SearchRequest) (*SearchResponse, error) {
	if err := checkSearch(r); err != nil {
		return nil, err
	}
	limit, _ := checkLimit(r.Limit, DefaultLimit, MaxLimit) // checked by checkSearch
	for attempt := 1; ; attempt++ {
		out, dropped, err := l.searchOnce(ctx, r, spareHits(attempt))
		// INVARIANT 7.2 (search answers from one state): the rows and the
		// freshness are read from a snapshot taken after the index
		// answered, so the index (which follows committed batches) is
		// never ahead of it: a hit is missing from the snapshot only if a
		// batch deleted or evicted it in between (dropped). Taken before
		// the index (as it was), a busy worker could put every hit ahead
		// of the snapshot: an empty answer. An answer short of hits it
		// dropped is computed again, up to searchAttempts times, asking
		// the index for spare hits to stand in for the dropped ones.
		if err != nil || dropped == 0 || len(out.Hits) == limit || attempt == searchAttempts {
			return out, err
		}
	}
}

// searchAttempts bounds the searches one request makes when batches keep
// landing between the index's answer and the snapshot (Search).
const searchAttempts = 3

// spareHits is how many hits beyond the limit an attempt asks the index
// for: none the first time (a quiet cache drops nothing), then enough
// for the batches that evicted hits while the index lagged.
func spareHits(attempt int) int {
	return (attempt - 1) * 2 * DefaultLimit
}

// searchOnce answers r: the query is resolved on one snapshot (a
// --similar-to vector may be read from it), the index asked for spare
// hits beyond the limit, and the first hits that a second snapshot, taken
// after the search, holds are answered with their rows and that
// snapshot's freshness. It reports how many of the index's hits the
// second snapshot did not hold.
func (l *Local) searchOnce(ctx context.Context, r SearchRequest, spare int) (*SearchResponse, int, error) {
	var out *SearchResponse
	dropped := 0
	err := l.useCache(ctx, func(c *Cache, v *cachestore.View) error { // freshness: from the second snapshot
		q, err := l.toQuery(c, v, r)
		if err != nil {
			return err
		}
		limit := q.Limit
		q.Limit = min(limit+spare, retrieval.MaxLimit)
		hits, err := c.index().Search(q)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		return c.Store.View(func(after *cachestore.View) error {
			f, err := l.freshness(c, after)
			if err != nil {
				return err
			}
			out = &SearchResponse{Hits: []Hit{}, Mode: string(modeOf(q)), Freshness: f}
			dropped, err = out.fill(after, hits, limit)
			return err
		})
	})
	return out, dropped, err
}

func checkSearch(r SearchRequest) error {
	if r.Kind != "" {
		if err := checkKind(r.Kind, false); err != nil {
			return err
		}
	}
	switch r.Mode {
	case "", "hybrid", "keyword", "vector":
	default:
		return badRequest("unknown mode %q (want hybrid, keyword or vector)", r.Mode)
	}
	if r.SimilarTo != "" && len(r.Vector) > 0 {
		return badRequest("give either a vector or similar_to, not both")
	}
	if r.Text == "" && r.SimilarTo == "" && len(r.Vector) == 0 {
		return badRequest("nothing to search for: give text, a vector or similar_to")
	}
	for i, x := range r.Vector {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return badRequest("vector component %d is %v", i, x)
		}
	}
	_, err := checkLimit(r.Limit, DefaultLimit, MaxLimit)
	return err
}

// modeOf is the mode a query runs in: hybrid when text and a vector are
// both given, otherwise the one given.
func modeOf(q retrieval.Query) retrieval.Mode {
	if q.Mode != "" {
		return q.Mode
	}
	if q.Text != "" && len(q.Vector) > 0 {
		return retrieval.Mode("hybrid")
	}
	if q.Text != "" {
		return retrieval.Mode("keyword")
	}
	return retrieval.Mode("vector")
}

func (l *Local) toQuery(c *Cache, v *cachestore.View, r SearchRequest) (retrieval.Query, error) {
	limit, _ := checkLimit(r.Limit, DefaultLimit, MaxLimit)
	q := retrieval.Query{Text: r.Text, Vector: r.Vector, Model: r.Model, Kind: r.Kind, Mode: retrieval.Mode(r.Mode),
		Limit: limit, Now: l.now(), Filter: retrieval.Filter{Domain: r.Domain, TaskType: r.TaskType, Language: r.Language, Since: r.Since}}
	if r.SimilarTo != "" {
		vec, model, ref, err := similarTo(c, v, r.SimilarTo)
		if err != nil {
			return q, err
		}
		q.Vector, q.Exclude = vec, ref
		if q.Model == "" {
			q.Model = model
		}
	}
	q.Mode = modeOf(q)
	return q, nil
}

// similarTo finds the query vector for an entity id: an episode's or a
// pattern's own embedding, or the embedding with that id; the entity (or
// the embedding's owner) is left out of the hits.
func similarTo(c *Cache, v *cachestore.View, id string) ([]float32, string, *retrieval.Ref, error) {
	for _, k := range []protocol.Entity{protocol.EntityEpisode, protocol.EntityPattern} {
		if vec, model, ok := c.index().Vector(k, id); ok {
			return vec, model, &retrieval.Ref{Kind: k, ID: id}, nil
		}
	}
	data, _, err := v.Data(protocol.EntityEmbedding, id)
	if errors.Is(err, cachestore.ErrNotFound) {
		return nil, "", nil, fmt.Errorf("%w: no cached embedding for %q (an episode, pattern or embedding id)", ErrNotFound, id)
	}
	if err != nil {
		return nil, "", nil, err
	}
	e, err := protocol.DecodeEmbedding(data)
	if err != nil {
		return nil, "", nil, fmt.Errorf("%w: %v", cachestore.ErrCorrupt, err)
	}
	vec, err := protocol.DecodeVector(e.Vector)
	if err != nil {
		return nil, "", nil, fmt.Errorf("%w: %v", cachestore.ErrCorrupt, err)
	}
	return vec, e.Model, &retrieval.Ref{Kind: protocol.Entity(e.ItemType), ID: e.ItemID}, nil
}

// fill reads each hit's row from the snapshot, in rank order, until limit
// are answered; a hit the snapshot does not hold (the index follows
// commits a moment later) is left out and counted.
func (out *SearchResponse) fill(v *cachestore.View, hits []retrieval.Hit, limit int) (dropped int, _ error) {
	for _, h := range hits {
		if len(out.Hits) == limit {
			break
		}
		data, _, err := v.Data(h.Kind, h.ID)
		if errors.Is(err, cachestore.ErrNotFound) {
			dropped++
			continue
		}
		if err != nil {
			return dropped, err
		}
		hit := Hit{Kind: h.Kind, ID: h.ID, Score: h.Score, Scores: Scores{Keyword: h.Scores.Keyword, Vector: h.Scores.Vector,
			KeywordRank: h.Scores.KeywordRank, VectorRank: h.Scores.VectorRank, Relevance: h.Scores.Relevance,
			Recency: h.Scores.Recency, Reward: h.Scores.Reward, Context: h.Scores.Context}}
		hit.Set(h.Kind, json.RawMessage(data))
		out.Hits = append(out.Hits, hit)
	}
	return dropped, nil
}
