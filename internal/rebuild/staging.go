package rebuild

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/outage"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

// stagingCache is the staging store as the rebuild's worker sees it. A
// batch that fails (a body the stream does not have, a backfill that cannot
// reach it) is checked against the stream first: when the stream changed
// under the staging cache (deleted, re-created, purged past its position,
// another database's checkpoint), the bodies of the history it was filled
// from are gone for good, and the fill fails at once with the worker's
// rebuild error (a fresh start on the new stream) instead of retrying the
// batch until it is stuck, or for as long as the stream is missing.
type stagingCache struct {
	*cachestore.Store
	cfg  Config
	fill int // fresh starts of this rebuild before this fill
}

// Apply applies b as the store does; see stagingCache.
func (c *stagingCache) Apply(ctx context.Context, b cachestore.Batch, src cachestore.BodySource) (cachestore.ApplyStats, error) {
	if c.cfg.beforeBody != nil {
		src = hooked(src, func() { c.cfg.beforeBody(c.fill) })
	}
	st, err := c.Store.Apply(ctx, b, src)
	if err == nil || worker.NeedsRebuild(err) || ctx.Err() != nil {
		return st, err
	}
	if moved := c.streamMoved(ctx); moved != nil {
		return st, fmt.Errorf("%w (%v)", moved, err)
	}
	return st, err
}

// streamMoved reports how the stream no longer continues the staging
// cache's history (nil: it still does, or that cannot be told now, and the
// worker's retries decide). The same checks as the worker's bind.
func (c *stagingCache) streamMoved(ctx context.Context) error {
	st := c.State()
	s, err := c.cfg.JS.Stream(ctx, c.cfg.Worker.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) && st.Stream.Name != "" {
		return fmt.Errorf("%w: staging cache %s: the stream was deleted during the rebuild", worker.ErrStreamReplaced, c.Dir())
	}
	if err != nil {
		return nil
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil
	}
	switch {
	case st.Stream.Name != "" && info.Created.UnixNano() != st.Stream.Created:
		return fmt.Errorf("%w: staging cache %s: the stream was re-created during the rebuild", worker.ErrStreamReplaced, c.Dir())
	case st.Position > 0 && info.State.FirstSeq > st.Position+1:
		return fmt.Errorf("%w: staging cache %s is at sequence %d but the stream now starts at %d (purged during the rebuild)",
			worker.ErrStreamReplaced, c.Dir(), st.Position, info.State.FirstSeq)
	}
	m, err := s.GetLastMsgForSubject(ctx, protocol.CheckpointSubject(c.cfg.Worker.DBName))
	if err != nil {
		return nil
	}
	cp, err := protocol.DecodeCheckpoint(m.Data)
	if err != nil || st.Lineage == "" || cp.Lineage == st.Lineage {
		return nil
	}
	return fmt.Errorf("%w: staging cache %s has lineage %s, the stream's checkpoint %d has %s (the database was replaced during the rebuild)",
		worker.ErrLineageChanged, c.Dir(), st.Lineage, m.Sequence, cp.Lineage)
}

// streamWait bounds how long a stream rebuild waits for a stream deleted
// under it to be re-created (by the changefeed) before a fresh start.
const streamWait = time.Minute

// DefaultStreamWait is the Config.StreamWait of the supervisor's repairs.
const DefaultStreamWait = streamWait

// awaitStream waits until the stream exists, at most d: while the server
// answers that it has no such stream, or the connection is down (a NATS
// restart). It returns the last error when the wait ends without it.
func awaitStream(ctx context.Context, cfg Config, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		_, err := cfg.JS.Stream(ctx, cfg.Worker.Stream)
		if err == nil || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		if !errors.Is(err, jetstream.ErrStreamNotFound) && cfg.JS.Conn().IsConnected() {
			return err
		}
		if !outage.Sleep(ctx, 200*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// hookedSource calls before ahead of every body request (Config.beforeBody).
type hookedSource struct {
	src    cachestore.BodySource
	before func()
}

func (h hookedSource) Latest(ctx context.Context, e protocol.Entity, id string) (cachestore.Change, bool, error) {
	h.before()
	return h.src.Latest(ctx, e, id)
}

// hookedScanner keeps the source's stream scan (a recall past the horizon).
type hookedScanner struct {
	hookedSource
	cachestore.Scanner
}

func hooked(src cachestore.BodySource, before func()) cachestore.BodySource {
	h := hookedSource{src: src, before: before}
	if sc, ok := src.(cachestore.Scanner); ok {
		return hookedScanner{h, sc}
	}
	return h
}
