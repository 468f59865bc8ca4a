package cachestore

import (
	"context"
	"errors"
	"testing"

	"github.com/memsync/memsync/protocol"
)

// Arbitrary id bytes go subject -> envelope -> catalog -> read unchanged:
// the change decoded from the message is stored and found under exactly the
// id its subject names, its embedding is owned by that id, and a delete
// removes it (issue 8: invalid UTF-8 ids).
func FuzzCatalogID(f *testing.F) {
	for _, id := range []string{"ep-1", "ep-\xff", "ep-\xfe", "a\x00\xffb", "", "ünï.code"} {
		f.Add([]byte(id))
	}
	s, err := Open(f.TempDir(), &Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	version := uint64(0)
	f.Fuzz(func(t *testing.T, b []byte) {
		id := string(b)
		subj, err := protocol.EntitySubject("default", protocol.EntityEpisode, id)
		if err != nil {
			return // over MaxIDLen: never published
		}
		p, err := protocol.ParseSubject(subj)
		if err != nil {
			t.Fatal(err)
		}
		version += 3
		ep := wireChange(t, protocol.EntityEpisode, p.ID, version, &protocol.Episode{EpisodeID: id, StartTime: int64(version)})
		emb := wireChange(t, protocol.EntityEmbedding, "emb-"+id, version+1, &protocol.Embedding{EmbeddingID: "emb-" + id,
			ItemID: id, ItemType: "episode", Dimension: 1, DType: protocol.DTypeF32LE, Vector: protocol.EncodeVector([]float32{1})})
		applyAll(t, s, ep, emb)
		wantStored(t, s, id)
		if st := applyAll(t, s, ep); st.Skipped != 1 { // the catalog knows it under the same bytes
			t.Fatalf("redelivery of %q applied again: %+v", id, st)
		}
		applyAll(t, s, wireChange(t, protocol.EntityEpisode, id, version+2, nil))
		if _, _, err := s.Episode(id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted %q still readable: %v", id, err)
		}
	})
}

// wireChange is the change a worker decodes from the message the changefeed
// builds for row (nil: a delete).
func wireChange(t *testing.T, e protocol.Entity, id string, v uint64, row any) Change {
	env := &protocol.Envelope{Schema: 1, Entity: e, Op: protocol.OpDelete, ID: id, Version: v, Lineage: "l"}
	if row != nil {
		data, err := protocol.MarshalRow(row)
		if err != nil {
			t.Fatal(err)
		}
		env.Op, env.Data = protocol.OpUpsert, data
	}
	body, err := protocol.EncodeEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	back, err := protocol.DecodeEnvelope(body)
	if err != nil {
		t.Fatal(err)
	}
	return ChangeFromEnvelope(back)
}

func applyAll(t *testing.T, s *Store, cs ...Change) ApplyStats {
	st, err := s.Apply(context.Background(), Batch{Changes: cs}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func wantStored(t *testing.T, s *Store, id string) {
	ep, _, err := s.Episode(id)
	if err != nil || ep.EpisodeID != id {
		t.Fatalf("episode %q: %+v %v", id, ep, err)
	}
	m, _, err := s.Embedding("emb-" + id)
	if err != nil || m.ItemID != id {
		t.Fatalf("embedding of %q: %+v %v", id, m, err)
	}
}
