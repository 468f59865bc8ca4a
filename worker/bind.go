package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// bind checks the stream is the one the cache was built from and still
// continues from the cache's position, then attaches the durable consumer
// there.
func (w *Worker) bind(ctx context.Context) error {
	t := newPhases(w.now)
	s, err := w.js.Stream(ctx, w.opts.Stream)
	if err != nil {
		return w.streamMissing(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("worker: stream %s info: %w", w.opts.Stream, err)
	}
	t.mark("stream")
	if err := w.checkStream(info); err != nil {
		return err
	}
	if err := w.checkContinuity(ctx, info); err != nil {
		return err
	}
	t.mark("continuity")
	w.stream = s
	if err := w.adoptLineage(ctx); err != nil {
		return err
	}
	w.cons, err = w.consumer(ctx, s)
	if err == nil && w.wrapConsumer != nil {
		w.cons = w.wrapConsumer(w.cons)
	}
	t.mark("consumer")
	w.log.Debug("consumer bound", t.attrs()...)
	return err
}

// streamMissing explains a stream that cannot be found. For a cache built
// from it, it was deleted: the worker keeps serving the cache (stale) and
// retries; once the changefeed re-creates it, checkStream sees the new
// creation time and the cache is rebuilt.
func (w *Worker) streamMissing(err error) error {
	if errors.Is(err, jetstream.ErrStreamNotFound) && w.store.State().Stream.Name != "" {
		return fmt.Errorf("worker: stream %s was deleted under cache %s; waiting for the changefeed to re-create it, then rebuilding: %w",
			w.opts.Stream, w.store.Dir(), err)
	}
	return fmt.Errorf("worker: stream %s: %w", w.opts.Stream, err)
}

// checkStream detects a stream recreated (new creation time) under the
// cache, or one whose delete tombstones may have expired while it was away.
func (w *Worker) checkStream(info *jetstream.StreamInfo) error {
	st := w.store.State()
	id := cachestore.StreamIdentity{Name: info.Config.Name, Created: info.Created.UnixNano()}
	if st.Stream.Name == "" {
		return w.store.SetStream(id, st.Lineage)
	}
	if st.Stream != id {
		return fmt.Errorf("%w: cache %s was built from stream %s created %d, the stream now was created %d; run `memsync rebuild --worker %s`",
			ErrStreamReplaced, w.store.Dir(), st.Stream.Name, st.Stream.Created, id.Created, w.opts.Name)
	}
	return w.checkTombstones(info, st)
}

// filters are the consumer's subjects: the database's whole subject space
// when the cache keeps every kind, else one filter per kept kind and the
// checkpoint. One filter is nats-server's fast path: on a compacted stream
// of 2M subjects on disk, a consumer of the four filters took 1.6 s to
// create and its no-wait fetches came back empty, for ever (a stream
// rebuild applied nothing in 8 minutes), where `memsync.<db>.>` answered
// the first in 0.5 s and the next in 8 ms.
func (w *Worker) filters() []string {
	o := w.store.Options()
	if !o.NoPatterns && !o.NoEmbeddings {
		return []string{protocol.DBFilter(w.opts.DBName)}
	}
	f := []string{protocol.EntityFilter(w.opts.DBName, protocol.EntityEpisode), protocol.CheckpointSubject(w.opts.DBName)}
	if !o.NoPatterns {
		f = append(f, protocol.EntityFilter(w.opts.DBName, protocol.EntityPattern))
	}
	if !o.NoEmbeddings {
		f = append(f, protocol.EntityFilter(w.opts.DBName, protocol.EntityEmbedding))
	}
	return f
}

// consumer reuses the durable consumer when it agrees with the cache's
// position, and otherwise re-creates it to start right after it: the cache,
// not the server, is the authority on what was applied.
func (w *Worker) consumer(ctx context.Context, s jetstream.Stream) (jetstream.Consumer, error) {
	name := ConsumerName(w.opts.DBName, w.opts.Name)
	pos := w.store.State().Position
	c, err := s.Consumer(ctx, name)
	if err == nil {
		if ok, err := w.agrees(ctx, c, pos); ok || err != nil {
			return c, err
		}
		w.log.Info("re-creating consumer at the cache's position", "position", pos)
		if err := s.DeleteConsumer(ctx, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, err
		}
	} else if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, err
	}
	return s.CreateConsumer(ctx, w.consumerConfig(name, pos))
}

func (w *Worker) agrees(ctx context.Context, c jetstream.Consumer, pos uint64) (bool, error) {
	info, err := c.Info(ctx)
	if err != nil {
		return false, err
	}
	sameFilters := fmt.Sprint(consumerFilters(info.Config)) == fmt.Sprint(w.filters())
	return sameFilters && info.AckFloor.Stream == pos && info.NumAckPending == 0 && info.Delivered.Stream == pos, nil
}

func (w *Worker) consumerConfig(name string, pos uint64) jetstream.ConsumerConfig {
	cfg := jetstream.ConsumerConfig{
		Durable:        name,
		Description:    "memsync worker " + w.opts.Name,
		FilterSubjects: w.filters(),
		AckPolicy:      jetstream.AckAllPolicy,
		AckWait:        w.opts.AckWait,
		MaxAckPending:  4 * w.opts.BatchSize,
		MaxWaiting:     16,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	}
	if pos > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, pos+1
	}
	return cfg
}

// checkTombstones detects a cache that was offline for longer than the
// stream keeps delete tombstones: deletes in that time may be gone from the
// stream, so only a rebuild is safe. A worker that was online moments ago
// (a reconnect) is not checked again.
func (w *Worker) checkTombstones(info *jetstream.StreamInfo, st cachestore.State) error {
	ttl, err := time.ParseDuration(info.Config.Metadata[protocol.MetaTombstoneTTL])
	if err != nil || ttl <= 0 || st.LastSyncMs == 0 || w.now().Sub(w.lastContact) < ttl {
		return nil
	}
	offline := w.now().Sub(time.UnixMilli(st.LastSyncMs))
	if offline <= ttl {
		return nil
	}
	return fmt.Errorf("%w: last sync %s ago, tombstones kept %s; rebuilding %s", ErrTombstonesExpired,
		offline.Round(time.Second), ttl, w.store.Dir())
}

// consumerFilters are a consumer's subjects, however the server reports
// them (a single filter may come back as FilterSubject).
func consumerFilters(c jetstream.ConsumerConfig) []string {
	if len(c.FilterSubjects) == 0 && c.FilterSubject != "" {
		return []string{c.FilterSubject}
	}
	return c.FilterSubjects
}
