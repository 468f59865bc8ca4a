package changefeed

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/protocol"
)

// StreamConfig is the compacted stream: the latest message per subject is
// kept (as a JetStream KV bucket does), atomic batches are allowed, and
// direct gets serve worker backfills.
//
// INVARIANT 2: MaxMsgsPerSubject 1 keeps exactly the latest message of
// every entity.
func StreamConfig(name string, replicas int, tombstoneTTL time.Duration) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Metadata:           map[string]string{protocol.MetaTombstoneTTL: tombstoneTTL.String()},
		AllowMsgTTL:        true,
		Name:               name,
		Description:        "memsync: latest change per entity, compacted",
		Subjects:           protocol.StreamSubjects(),
		Retention:          jetstream.LimitsPolicy,
		Storage:            jetstream.FileStorage,
		MaxMsgsPerSubject:  1,
		Discard:            jetstream.DiscardOld,
		AllowAtomicPublish: true,
		AllowDirect:        true,
		Duplicates:         2 * time.Minute,
		Replicas:           replicas,
	}
}

// DLQConfig is the dead-letter stream.
func DLQConfig(name string, replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        name,
		Description: "memsync: dead letters (messages and rows that could not be synced)",
		Subjects:    []string{protocol.DLQSubjectRoot + ".>"},
		Storage:     jetstream.FileStorage,
		MaxAge:      30 * 24 * time.Hour,
		Replicas:    replicas,
	}
}

// EnsureStreams creates or updates the data and dead-letter streams.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, o *Options) (jetstream.Stream, error) {
	s, err := js.CreateOrUpdateStream(ctx, StreamConfig(o.Stream, o.Replicas, o.TombstoneTTL))
	if err != nil {
		return nil, fmt.Errorf("changefeed: stream %s: %w", o.Stream, err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, DLQConfig(o.DLQStream, o.Replicas)); err != nil {
		return nil, fmt.Errorf("changefeed: stream %s: %w", o.DLQStream, err)
	}
	return s, nil
}
