package rebuild

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/worker"
)

// consumerCleanupTimeout bounds the deletion of the rebuild consumer, which
// also runs after the rebuild's own context was cancelled.
const consumerCleanupTimeout = 5 * time.Second

// ConsumerName is the durable consumer a stream rebuild of worker
// uses on the staging cache: memsync-<db>-<worker>-rebuild.
func ConsumerName(o worker.Options) string {
	d := o.EnsureDefaults()
	return worker.ConsumerName(d.DBName, rebuildName(d.Name))
}

// DropConsumer deletes the stream rebuild's durable consumer of
// cfg's worker, if the server has one. INVARIANT 9.2 (no leftover consumers):
// every rebuild deletes it after its swap (whatever its source, so one left
// by a killed stream rebuild goes too) and a failed stream rebuild deletes
// it before returning; a resumed stream rebuild re-creates it at the staging
// cache's position. A process that starts can call it to clean up after a
// rebuild killed before either point.
func DropConsumer(ctx context.Context, cfg Config) error {
	if cfg.JS == nil {
		return nil
	}
	cfg = *cfg.EnsureDefaults()
	s, err := cfg.JS.Stream(ctx, cfg.Worker.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil // its consumers went with it
	}
	if err != nil {
		return err
	}
	err = s.DeleteConsumer(ctx, ConsumerName(cfg.Worker))
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil
	}
	return err
}

// CleanupConsumer is DropConsumer on its own deadline (it also runs after
// the rebuild's context was cancelled); a failure is logged, and the next
// rebuild tries again. The supervisor calls it when it starts.
func CleanupConsumer(cfg Config) {
	cfg = *cfg.EnsureDefaults()
	ctx, cancel := context.WithTimeout(context.Background(), consumerCleanupTimeout)
	defer cancel()
	if err := DropConsumer(ctx, cfg); err != nil {
		cfg.Logger.Warn("rebuild consumer not deleted; the next rebuild retries", "consumer", ConsumerName(cfg.Worker), "error", err)
	}
}
