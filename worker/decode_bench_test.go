package worker

import (
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/protocol"
)

// BenchmarkDecode is the worker's decode of one typical message (the
// seed's episode, 384-d embedding): DecodeEnvelope, then Change.Prepare.
func BenchmarkDecode(b *testing.B) {
	g := seed.NewGenerator(1, 384)
	ep := g.Episode(0, []string{"pat-1"})
	emb := g.Embedding("episode", ep.ID)
	for _, bc := range []struct {
		name   string
		entity protocol.Entity
		row    any
		listed []string
	}{
		{"episode", protocol.EntityEpisode, episodeRow(ep), []string{emb.ID}},
		{"embedding", protocol.EntityEmbedding, &protocol.Embedding{EmbeddingID: emb.ID, ItemID: emb.ItemID,
			ItemType: emb.ItemType, Dimension: len(emb.Vector), Model: emb.Model, DType: protocol.DTypeF32LE,
			Vector: protocol.EncodeVector(emb.Vector), CreatedAt: emb.CreatedAt}, nil},
	} {
		data, err := protocol.MarshalRow(bc.row)
		if err != nil {
			b.Fatal(err)
		}
		body, err := protocol.EncodeEnvelope(&protocol.Envelope{Schema: protocol.SchemaVersion, Entity: bc.entity,
			Op: protocol.OpUpsert, ID: "x-1", Version: 42, Lineage: "0123456789abcdef", Data: data,
			Embeddings: bc.listed, Listed: bc.listed != nil})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				env, err := protocol.DecodeEnvelope(body)
				if err != nil {
					b.Fatal(err)
				}
				c := cachestore.ChangeFromEnvelope(env)
				if err := c.Prepare(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func episodeRow(e seed.Episode) *protocol.Episode {
	return &protocol.Episode{EpisodeID: e.ID, TaskType: e.TaskType, TaskDescription: e.Description,
		Context: e.Context, StartTime: e.StartTime, EndTime: e.EndTime, Steps: e.Steps, Outcome: e.Outcome,
		Reward: e.Reward, Reflection: e.Reflection, Patterns: e.Patterns, Heuristics: e.Heuristics,
		Checkpoints: e.Checkpoints, Metadata: e.Metadata, Domain: e.Domain, Language: e.Language,
		CreatedAt: e.CreatedAt}
}
