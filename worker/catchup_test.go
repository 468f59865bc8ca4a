package worker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// slowLookup is the consumer of a large compacted stream on disk: a no-wait
// fetch comes back empty while the server is still loading the blocks
// (measured on 2M subjects, 6 GB: every one, for 8 minutes); a waiting
// fetch gets the messages. The real server shows this only at that scale.
type slowLookup struct {
	jetstream.Consumer
	noWaits int
}

func (s *slowLookup) FetchNoWait(int) (jetstream.MessageBatch, error) {
	s.noWaits++
	return emptyBatch{}, nil
}

type emptyBatch struct{}

func (emptyBatch) Messages() <-chan jetstream.Msg {
	ch := make(chan jetstream.Msg)
	close(ch)
	return ch
}
func (emptyBatch) Error() error { return nil }

// CatchUp progresses when no-wait fetches come back empty while messages
// are pending: it waits for them instead of asking again for ever (a
// stream rebuild of 1M episodes applied nothing in 8 minutes).
func TestCatchUpWaitsWhenNoWaitFetchesComeBackEmpty(t *testing.T) {
	r := newRig(t, Options{}, nil)
	var lookups []*slowLookup
	r.w.wrapConsumer = func(c jetstream.Consumer) jetstream.Consumer {
		s := &slowLookup{Consumer: c}
		lookups = append(lookups, s)
		return s
	}
	last := r.publishEpisodes(5)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := r.w.CatchUp(ctx); err != nil {
		t.Fatalf("catch-up behind empty no-wait fetches: %v", err)
	}
	if st := r.store.State(); st.Position != last || st.AppliedVersion != 5 {
		t.Fatalf("position %d applied %d, want %d and 5", st.Position, st.AppliedVersion, last)
	}
	if len(lookups) == 0 || lookups[0].noWaits == 0 {
		t.Fatal("the fault was not injected: no no-wait fetch was made")
	}
}

// With every kind cached, the consumer has the one filter of the
// database's subject space (nats-server's fast path); a kind left out
// gives one filter per kind kept. A consumer reported with FilterSubject
// agrees with its single filter (no re-create on every bind).
func TestConsumerFilters(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    cachestore.Options
		want []string
	}{
		{"every kind", cachestore.Options{}, []string{"memsync.default.>"}},
		{"no embeddings", cachestore.Options{NoEmbeddings: true}, []string{protocol.EntityFilter(db, protocol.EntityEpisode), protocol.CheckpointSubject(db), protocol.EntityFilter(db, protocol.EntityPattern)}},
		{"no patterns", cachestore.Options{NoPatterns: true}, []string{protocol.EntityFilter(db, protocol.EntityEpisode), protocol.CheckpointSubject(db), protocol.EntityFilter(db, protocol.EntityEmbedding)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := cachestore.Open(t.TempDir(), &tc.o)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			w, err := New(st, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := w.filters(); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("filters %v, want %v", got, tc.want)
			}
		})
	}
	if got := consumerFilters(jetstream.ConsumerConfig{FilterSubject: "memsync.default.>"}); fmt.Sprint(got) != "[memsync.default.>]" {
		t.Fatalf("FilterSubject reported as %v", got)
	}
}
