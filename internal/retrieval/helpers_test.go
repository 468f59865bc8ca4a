package retrieval

import (
	"testing"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/protocol"
)

// The seed rows as protocol rows, mapped as internal/turso maps the columns
// seed.PutEpisode/PutPattern/PutEmbedding write.

func episodeRow(e seed.Episode) *protocol.Episode {
	return &protocol.Episode{
		EpisodeID: e.ID, TaskType: e.TaskType, TaskDescription: e.Description, Context: e.Context,
		StartTime: e.StartTime, EndTime: e.EndTime, Steps: e.Steps, Outcome: e.Outcome, Reward: e.Reward,
		Reflection: e.Reflection, Patterns: e.Patterns, Heuristics: e.Heuristics, Checkpoints: e.Checkpoints,
		Metadata: e.Metadata, Domain: e.Domain, Language: e.Language, CreatedAt: e.CreatedAt,
	}
}

func patternRow(p seed.Pattern) *protocol.Pattern {
	return &protocol.Pattern{
		PatternID: p.ID, PatternType: p.Type, PatternData: p.Data, SuccessRate: p.SuccessRate,
		ContextDomain: p.Domain, ContextLanguage: p.Language, ContextTags: p.Tags,
		OccurrenceCount: p.Occurrences, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

func embeddingRow(e seed.Embedding) *protocol.Embedding {
	return &protocol.Embedding{
		EmbeddingID: e.ID, ItemID: e.ItemID, ItemType: e.ItemType, Dimension: len(e.Vector),
		Model: e.Model, DType: protocol.DTypeF32LE, Vector: protocol.EncodeVector(e.Vector), CreatedAt: e.CreatedAt,
	}
}

// upsert is the mutation carrying row v.
func upsert(tb testing.TB, kind protocol.Entity, id string, v any) Mutation {
	tb.Helper()
	b, err := protocol.MarshalRow(v)
	if err != nil {
		tb.Fatal(err)
	}
	return Mutation{Kind: kind, ID: id, Data: b}
}

func del(kind protocol.Entity, id string) Mutation { return Mutation{Kind: kind, ID: id} }

// corpus is generated seed data as mutations.
type corpus struct {
	episodes []seed.Episode
	patterns []seed.Pattern
	vectors  map[string][]float32 // owner id -> raw vector
	muts     []Mutation
}

// genCorpus makes nEp episodes and nPat patterns, each with one embedding
// of dimension dim (none when dim is 0).
func genCorpus(tb testing.TB, seedN uint64, nEp, nPat, dim int) *corpus {
	tb.Helper()
	g := seed.NewGenerator(seedN, dim)
	c := &corpus{vectors: map[string][]float32{}}
	var patIDs []string
	for range nPat {
		p := g.Pattern()
		patIDs = append(patIDs, p.ID)
		c.patterns = append(c.patterns, p)
		c.muts = append(c.muts, upsert(tb, protocol.EntityPattern, p.ID, patternRow(p)))
		c.embed(tb, g, dim, "pattern", p.ID)
	}
	for i := range nEp {
		e := g.Episode(i, patIDs)
		c.episodes = append(c.episodes, e)
		c.muts = append(c.muts, upsert(tb, protocol.EntityEpisode, e.ID, episodeRow(e)))
		c.embed(tb, g, dim, "episode", e.ID)
	}
	return c
}

func (c *corpus) embed(tb testing.TB, g *seed.Generator, dim int, kind, id string) {
	if dim == 0 {
		return
	}
	e := g.Embedding(kind, id)
	c.vectors[id] = e.Vector
	c.muts = append(c.muts, upsert(tb, protocol.EntityEmbedding, e.ID, embeddingRow(e)))
}

// build applies muts to a new index in batches of 256, as the cache would.
func build(tb testing.TB, opts *Options, muts []Mutation) *Index {
	tb.Helper()
	x := New(opts)
	for i := 0; i < len(muts); i += 256 {
		if err := x.Apply(muts[i:min(i+256, len(muts))]); err != nil {
			tb.Fatal(err)
		}
	}
	return x
}

// ep builds a minimal episode row.
func ep(id, desc string, mod ...func(*protocol.Episode)) *protocol.Episode {
	e := &protocol.Episode{EpisodeID: id, TaskDescription: desc, Steps: "[]", StartTime: 1_767_225_600}
	for _, m := range mod {
		m(e)
	}
	return e
}

func ptr[T any](v T) *T { return &v }

// vecRow builds an embedding row.
func vecRow(id, ownerKind, owner, model string, v []float32) *protocol.Embedding {
	return &protocol.Embedding{
		EmbeddingID: id, ItemID: owner, ItemType: ownerKind, Dimension: len(v), Model: model,
		DType: protocol.DTypeF32LE, Vector: protocol.EncodeVector(v),
	}
}

func mustSearch(tb testing.TB, x *Index, q Query) []Hit {
	tb.Helper()
	hs, err := x.Search(q)
	if err != nil {
		tb.Fatalf("search %+v: %v", q, err)
	}
	return hs
}

func ids(hs []Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	return out
}
