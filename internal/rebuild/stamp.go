package rebuild

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// checkpoint is where a Turso snapshot starts in the stream: the last
// publisher checkpoint (cursor at sequence seq), or zero when there is none.
type checkpoint struct {
	seq, cursor uint64
	time        int64 // when the server stored it (unix nanoseconds)
	lineage     string
	stream      cachestore.StreamIdentity
}

func lastCheckpoint(ctx context.Context, cfg Config) (checkpoint, error) {
	name := cfg.Worker.Stream
	s, err := cfg.JS.Stream(ctx, name)
	if err != nil {
		return checkpoint{}, fmt.Errorf("rebuild: stream %s: %w (start the changefeed first)", name, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return checkpoint{}, err
	}
	cp := checkpoint{stream: cachestore.StreamIdentity{Name: name, Created: info.Created.UnixNano()}}
	m, err := s.GetLastMsgForSubject(ctx, protocol.CheckpointSubject(cfg.Worker.DBName))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return cp, nil
	}
	if err != nil {
		return cp, err
	}
	body, err := protocol.DecodeCheckpoint(m.Data)
	if err != nil {
		return cp, err
	}
	cp.seq, cp.cursor, cp.time, cp.lineage = m.Sequence, body.Cursor, m.Time.UnixNano(), body.Lineage
	return cp, nil
}

// stamp is the version every entity of a snapshot gets.
type stamp struct {
	version   uint64
	uncovered bool // no checkpoint and an empty change log
}

// lowestLive is the smallest version the catalog counts as a live entity
// (0 means "never seen").
const lowestLive = 1

// stampFor picks the snapshot's version. With a checkpoint it is the
// checkpoint's cursor. Without one (a stream never published, or purged or
// recreated and not refilled yet) the position is 0: the stream is replayed
// from its start, so the version must be below every change the snapshot
// may not reflect, yet live.
//
// INVARIANT 5.2: snapshot entities are live (version >= 1), so a replayed
// change replaces them instead of being counted into the window a second
// time. lowestLive is safe when the snapshot's change-log head is >= 1:
// change 1 is then reflected in the snapshot, and every later change is
// replayed.
func stampFor(ctx context.Context, tx *sql.Tx, cp checkpoint) (stamp, error) {
	if cp.cursor > 0 {
		return stamp{version: cp.cursor}, nil
	}
	head, err := turso.Head(ctx, tx)
	return stamp{version: lowestLive, uncovered: head < lowestLive}, err
}

// check refuses a snapshot of rows no change log covers (memsync not
// installed in this database): stamping them would skip the change that
// captures them.
func (s stamp) check(loaded int) error {
	if s.uncovered && loaded > 0 {
		return fmt.Errorf("%w: %d rows and an empty change log", ErrNotCaptured, loaded)
	}
	return nil
}
