package changefeed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/protocol"
)

// cursor is the publisher position as recovered from the stream.
type cursor struct {
	Cursor      uint64 // every change_id <= Cursor is in the stream
	Seq         uint64 // stream sequence of the checkpoint message (fence); 0 if none
	Epoch       string // message-id epoch; new whenever the stream holds no checkpoint
	PublishedAt int64  // unix ms of the checkpoint
}

// loadCheckpoint reads the last checkpoint of this database from the
// stream and the lineage it was written for ("" when there is none). The
// cursor lives only there, written atomically with the data it covers.
func (c *Changefeed) loadCheckpoint(ctx context.Context) (cursor, string, error) {
	msg, err := c.stream.GetLastMsgForSubject(ctx, protocol.CheckpointSubject(c.opts.DBName))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return cursor{Epoch: newEpoch()}, "", nil
	}
	if err != nil {
		return cursor{}, "", c.streamFailed(fmt.Errorf("changefeed: load checkpoint: %w", err))
	}
	cp, err := protocol.DecodeCheckpoint(msg.Data)
	if err != nil {
		return cursor{}, "", err
	}
	return cursor{Cursor: cp.Cursor, Seq: msg.Sequence, Epoch: epochOf(msg), PublishedAt: cp.PublishedAt}, cp.Lineage, nil
}

// HeaderEpoch carries the message-id epoch on checkpoints.
const HeaderEpoch = "Memsync-Epoch"

func epochOf(m *jetstream.RawStreamMsg) string {
	if e := m.Header.Get(HeaderEpoch); e != "" {
		return e
	}
	return newEpoch()
}

// newEpoch makes message ids unique per stream incarnation, so republishing
// the same change_ids into a purged or recreated stream is never mistaken
// for a duplicate by the dedupe window.
func newEpoch() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
