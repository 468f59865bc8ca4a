package worker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// listedEpisode is an upsert of episode id at version v that lists its one
// embedding emb (a changefeed that sends lists: the cache may forget).
func listedEpisode(id, emb string, v uint64) pub {
	e := protocol.Envelope{Schema: protocol.SchemaVersion, Entity: protocol.EntityEpisode, Op: protocol.OpUpsert, ID: id,
		Version: v, Lineage: lin, Data: testEpisodeRow(id, v), Embeddings: []string{emb}, Listed: true}
	body, err := protocol.EncodeEnvelope(&e)
	if err != nil {
		panic(err)
	}
	return pub{subject: subject(db, e.Entity, id), body: body}
}

func ownedEmbedding(id, owner string, v uint64) pub {
	return envelope(db, protocol.Envelope{Entity: protocol.EntityEmbedding, Op: protocol.OpUpsert, ID: id, Version: v, Lineage: lin,
		Data: []byte(fmt.Sprintf(`{"embedding_id":%q,"item_id":%q,"item_type":"episode","dimension":1,"dtype":"f32le","vector":"AAAAPw=="}`, id, owner))})
}

// countingTidy counts the worker's idle Tidy steps.
type countingTidy struct {
	*cachestore.Store
	steps int
}

func (c *countingTidy) Tidy(ctx context.Context, src cachestore.BodySource, budget int) (cachestore.TidyStats, error) {
	c.steps++
	return c.Store.Tidy(ctx, src, budget)
}

// A cold sync whose episodes each own an embedding leaves every episode
// known (the floor stays behind until the checkpoint at its end); live
// batches now forget only a step sized to them, so the idle worker must
// forget the rest between fetches, with no further message, and then rest.
func TestIdleWorkerForgetsWhatTheSyncLeft(t *testing.T) {
	const n, window, reserve = 1000, 5, 5
	var ct *countingTidy
	r := newRigWith(t, Options{BatchSize: 64, FetchWait: 20 * time.Millisecond, TidyBudget: 32},
		cachestore.Options{MaxEpisodes: window, Reserve: reserve},
		func(s *cachestore.Store) Cache { ct = &countingTidy{Store: s}; return ct })
	var msgs []pub
	for i := range n {
		id, emb := fmt.Sprintf("ep%03d", i), fmt.Sprintf("emb%03d", i)
		msgs = append(msgs, listedEpisode(id, emb, uint64(2*i+1)), ownedEmbedding(emb, id, uint64(2*i+2)))
	}
	r.publish(msgs...)
	r.publish(checkpoint(db, lin, 2*n))
	if _, err := r.w.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	// the last batch brings the checkpoint (the floor) and forgets its
	// step, at most 16 + 2 per change of a 64-message batch
	if known := r.store.State().Known; known < n-forgetStep(64) {
		t.Fatalf("the catch-up left %d episodes known, want at least %d (a batch forgot more than its step)", known, n-forgetStep(64))
	}
	applied := r.store.State()
	for i := 0; ; i++ {
		if i == 200 {
			t.Fatalf("after 200 idle steps %d episodes are known, want %d", r.store.State().Known, window+reserve)
		}
		if err := r.w.step(t.Context()); err != nil {
			t.Fatal(err)
		}
		if r.w.tidied {
			break
		}
	}
	st := r.store.State()
	if st.Known != window+reserve {
		t.Fatalf("the idle worker rested with %d episodes known, want window+reserve = %d", st.Known, window+reserve)
	}
	if st.Position != applied.Position || st.AppliedVersion != applied.AppliedVersion {
		t.Fatalf("idle steps moved the position: %d/%d, was %d/%d", st.Position, st.AppliedVersion, applied.Position, applied.AppliedVersion)
	}
	for i := n - window; i < n; i++ {
		if _, _, err := r.store.Embedding(fmt.Sprintf("emb%03d", i)); err != nil {
			t.Fatalf("a cached episode's embedding after the tidy: %v", err)
		}
	}
	rested := ct.steps
	for range 3 {
		if err := r.w.step(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if ct.steps != rested {
		t.Fatalf("a rested worker ran %d more Tidy steps with nothing applied", ct.steps-rested)
	}
	// a batch arms it again
	r.publish(listedEpisode("ep-new", "emb-new", 2*n+1), ownedEmbedding("emb-new", "ep-new", 2*n+2), checkpoint(db, lin, 2*n+2))
	for i := 0; i < 50 && ct.steps == rested; i++ {
		if err := r.w.step(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if ct.steps == rested {
		t.Fatal("no Tidy step after a batch was applied")
	}
}

// forgetStep is the forgets of a batch of n changes (cachestore's
// forgetStep with the default budget).
func forgetStep(n int) int { return min(cachestore.DefaultGCBudget, 16+2*n) }
