package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/protocol"
)

// checkContinuity makes sure the stream still continues from the cache's
// position P, i.e. that a consumer started at P+1 would see every message
// the cache has not applied:
//   - the stream must not end below P (rolled back);
//   - its first sequence must be at most P+1: a purge removed the messages
//     in between, and the server silently moves a consumer that starts
//     below the first sequence forward, so their deletes would never arrive;
//   - no message at or below P may have been stored after the one the cache
//     applied at P (rolled back, then refilled past P: the refilled
//     sequences at or below P would be skipped).
//
// A break needs a rebuild (ErrStreamReplaced routes it to Turso when the
// worker has it, else to the stream).
// INVARIANT 1.7: every change reaches the cache, or the cache is rebuilt.
func (w *Worker) checkContinuity(ctx context.Context, info *jetstream.StreamInfo) error {
	st := w.store.State()
	if st.Position == 0 {
		return nil // a fresh or replaying cache starts at the stream's beginning
	}
	if info.State.LastSeq < st.Position {
		return w.broken(st, fmt.Sprintf("the stream ends at sequence %d", info.State.LastSeq))
	}
	if info.State.FirstSeq > st.Position+1 {
		return w.broken(st, fmt.Sprintf("the stream now starts at sequence %d: messages this cache never applied were purged", info.State.FirstSeq))
	}
	if st.PositionTime == 0 {
		return nil // a cache from before positions were timed
	}
	seq, found, err := w.firstStoredAfter(ctx, st.PositionTime)
	if err != nil || !found || seq > st.Position {
		return err
	}
	return w.broken(st, fmt.Sprintf("sequence %d was stored after the message this cache applied there: the stream was rolled back and refilled", seq))
}

// checkGap re-checks the first sequence when a fetched batch does not start
// right after the position: a purge while the worker was behind removed
// messages it had not fetched yet, and the server moved the consumer past
// them silently. (Gaps are normal too: compaction, other kinds or
// databases; then the first sequence is still at most P+1.)
func (w *Worker) checkGap(ctx context.Context, first uint64) error {
	st := w.store.State()
	if st.Position == 0 || first <= st.Position+1 {
		return nil
	}
	info, err := w.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("worker: stream %s info: %w", w.opts.Stream, err)
	}
	if info.State.FirstSeq > st.Position+1 {
		return w.broken(st, fmt.Sprintf("the stream now starts at sequence %d: messages this cache never applied were purged", info.State.FirstSeq))
	}
	return nil
}

func (w *Worker) broken(st cachestore.State, why string) error {
	return fmt.Errorf("%w: cache %s is at sequence %d but %s; run `memsync rebuild --worker %s`",
		ErrStreamReplaced, w.store.Dir(), st.Position, why, w.opts.Name)
}

// msgGetRequest and msgGetResponse are JetStream's message get API with a
// start time, which the client library does not expose.
type msgGetRequest struct {
	StartTime *time.Time `json:"start_time,omitempty"`
	NextFor   string     `json:"next_by_subj,omitempty"`
	NoHeaders bool       `json:"no_hdr,omitempty"`
}

type msgGetResponse struct {
	Error   *jetstream.APIError `json:"error,omitempty"`
	Message *struct {
		Sequence uint64 `json:"seq"`
	} `json:"message,omitempty"`
}

// firstStoredAfter finds the first message of this database that the
// server stored strictly after ns (unix nanoseconds), with the stream's
// time index (one request, whatever compaction deleted in between).
func (w *Worker) firstStoredAfter(ctx context.Context, ns int64) (uint64, bool, error) {
	after := time.Unix(0, ns+1).UTC()
	body, _ := json.Marshal(msgGetRequest{StartTime: &after, NextFor: protocol.SubjectRoot + "." + w.opts.DBName + ".>", NoHeaders: true})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	reply, err := w.js.Conn().RequestWithContext(ctx, apiPrefix(w.js)+"STREAM.MSG.GET."+w.opts.Stream, body)
	if err != nil {
		return 0, false, fmt.Errorf("worker: stream %s: message stored after position: %w", w.opts.Stream, err)
	}
	var resp msgGetResponse
	if err := json.Unmarshal(reply.Data, &resp); err != nil {
		return 0, false, fmt.Errorf("worker: stream %s: message get reply: %w", w.opts.Stream, err)
	}
	switch {
	case resp.Error != nil && resp.Error.ErrorCode == jetstream.JSErrCodeMessageNotFound:
		return 0, false, nil
	case resp.Error != nil:
		return 0, false, fmt.Errorf("worker: stream %s: %w", w.opts.Stream, resp.Error)
	case resp.Message == nil:
		return 0, false, fmt.Errorf("worker: stream %s: %w", w.opts.Stream, jetstream.ErrInvalidJetStreamResponse)
	}
	return resp.Message.Sequence, true, nil
}

func apiPrefix(js jetstream.JetStream) string {
	o := js.Options()
	switch {
	case o.Domain != "":
		return "$JS." + o.Domain + ".API."
	case o.APIPrefix != "":
		return strings.TrimSuffix(o.APIPrefix, ".") + "."
	}
	return jetstream.DefaultAPIPrefix
}
