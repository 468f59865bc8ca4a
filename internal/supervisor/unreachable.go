package supervisor

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/outage"
)

// unreachableRetry is how long the supervisor waits before trying a repair
// again whose rebuild could not reach the stream.
const unreachableRetry = 5 * time.Second

// unreachable reports a rebuild that failed because the stream cannot be
// reached now: deleted and not yet re-created by the changefeed (after the
// rebuild's own wait), or NATS down. Trying again later can succeed; the
// cache's damage is unchanged.
func unreachable(err error) bool {
	for _, e := range []error{jetstream.ErrStreamNotFound, nats.ErrTimeout, nats.ErrNoResponders,
		nats.ErrConnectionClosed, nats.ErrDisconnected, nats.ErrConnectionReconnecting, context.DeadlineExceeded} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// repairReachable repairs the cache for cause, trying again every
// retryWait while the rebuild cannot reach the stream. INVARIANT 9
// (liveness): a repair that needs the stream waits out an outage of NATS or
// of the stream, however long, instead of stopping the worker process (the
// worker itself waits out such outages while serving); the attempts count
// once against the rebuild limit. Any other failure is returned.
func (s *supervisor) repairReachable(ctx context.Context, cause error) error {
	for {
		err := repair(ctx, s.opts.Config, cause, s.rebuild)
		if err == nil || ctx.Err() != nil || !unreachable(err) {
			return err
		}
		s.opts.Logger.Warn("the rebuild cannot reach the stream; trying again", "error", err, "in", s.retryWait.String())
		if !outage.Sleep(ctx, s.retryWait) {
			return ctx.Err()
		}
	}
}
