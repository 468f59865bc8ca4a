package changefeed

import (
	"context"
	"fmt"
	"slices"
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

// DefaultDLQMaxBytes bounds the dead-letter stream by default (256 MiB).
const DefaultDLQMaxBytes int64 = 256 << 20

// MinDLQMaxBytes is the least byte limit of the dead-letter stream: room
// for the largest dead letter, a poison message a worker parks whole (up to
// the server's max payload, 1 MiB by default).
const MinDLQMaxBytes int64 = 1 << 20

// DLQConfig is the dead-letter stream with the default byte limit.
func DLQConfig(name string, replicas int) jetstream.StreamConfig {
	return DLQConfigWith(name, replicas, DefaultDLQMaxBytes)
}

// DLQConfigWith is the dead-letter stream: dead letters are kept 30 days
// and within maxBytes.
//
// INVARIANT 1.5 (bounded dead-letter stream): MaxBytes with DiscardOld, so a
// full stream drops its oldest dead letters and still stores the new one;
// parking never fails because the stream is full. No per-message limit is
// set: a dead letter is already bounded (the changefeed's by half the max
// message size plus bounded headers, a worker's by the max payload), and a
// smaller limit would only make the server refuse dead letters.
func DLQConfigWith(name string, replicas int, maxBytes int64) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        name,
		Description: "memsync: dead letters (messages and rows that could not be synced)",
		Subjects:    []string{protocol.DLQSubjectRoot + ".>"},
		Storage:     jetstream.FileStorage,
		MaxAge:      30 * 24 * time.Hour,
		MaxBytes:    maxBytes,
		Discard:     jetstream.DiscardOld,
		Replicas:    replicas,
	}
}

// dlqConfig is the dead-letter stream these options configure.
func (o *Options) dlqConfig() jetstream.StreamConfig {
	return DLQConfigWith(o.DLQStream, o.Replicas, o.DLQMaxBytes)
}

// EnsureStreams creates or updates the data and dead-letter streams: the
// configuration of an existing stream is updated to these options. A stream
// that already has them is left alone: every changefeed start used to send
// a stream update, which nats-server handles racily against a worker
// creating its consumer at the same moment (seen under -race in
// TestChaosKill9), and which is needless work besides.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, o *Options) (jetstream.Stream, error) {
	s, err := ensureStream(ctx, js, StreamConfig(o.Stream, o.Replicas, o.TombstoneTTL))
	if err != nil {
		return nil, fmt.Errorf("changefeed: stream %s: %w", o.Stream, err)
	}
	if _, err := ensureStream(ctx, js, o.dlqConfig()); err != nil {
		return nil, fmt.Errorf("changefeed: stream %s: %w", o.DLQStream, err)
	}
	return s, nil
}

func ensureStream(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig) (jetstream.Stream, error) {
	if s, err := js.Stream(ctx, want.Name); err == nil && configCovers(s.CachedInfo().Config, want) {
		return s, nil
	}
	return js.CreateOrUpdateStream(ctx, want)
}

// configCovers reports whether a stream's configuration already has every
// setting memsync asks for (the server adds defaults and metadata of its
// own, which are not compared).
func configCovers(have, want jetstream.StreamConfig) bool {
	for k, v := range want.Metadata {
		if have.Metadata[k] != v {
			return false
		}
	}
	return have.Description == want.Description && slices.Equal(have.Subjects, want.Subjects) &&
		have.Retention == want.Retention && have.Storage == want.Storage && have.Discard == want.Discard &&
		limitEqual(have.MaxMsgsPerSubject, want.MaxMsgsPerSubject) && have.AllowMsgTTL == want.AllowMsgTTL &&
		have.AllowAtomicPublish == want.AllowAtomicPublish && have.AllowDirect == want.AllowDirect &&
		(want.Duplicates == 0 || have.Duplicates == want.Duplicates) && have.Replicas == want.Replicas &&
		have.MaxAge == want.MaxAge && limitEqual(have.MaxBytes, want.MaxBytes)
}

// limitEqual: the server stores "no limit" (0 asked) as -1. (A duplicate
// window of 0 asks for the server's default, so any window covers it.)
func limitEqual(have, want int64) bool { return have == want || want == 0 && have == -1 }
