package changefeed

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStream error codes the changefeed acts on (nats-server's
// jetstream_errors_generated.go).
const (
	// errCodeBatchDuplicate (JSAtomicPublishContainsDuplicateMessageErr):
	// the batch carries message ids already stored, i.e. another publisher
	// with the same epoch published these versions first. Like a fence
	// conflict, the answer is to reload the cursor.
	errCodeBatchDuplicate  jetstream.ErrorCode = 10201
	errCodeAtomicDisabled  jetstream.ErrorCode = 10174 // the stream lost its config: re-create it
	errCodeBatchIncomplete jetstream.ErrorCode = 10176 // a message of the batch was refused
	errCodeBatchTooLarge   jetstream.ErrorCode = 10199 // "atomic publish batch is too large: {size}"
)

// Server codes that describe the account or the server, never one message.
var resourceCodes = map[jetstream.ErrorCode]bool{10002: true, 10023: true, 10028: true, 10047: true, 10077: true}

func apiError(err error) *jetstream.APIError {
	var api *jetstream.APIError
	if errors.As(err, &api) {
		return api
	}
	return nil
}

func isFenced(err error) bool {
	if api := apiError(err); api != nil {
		switch api.ErrorCode {
		case jetstream.JSErrCodeStreamWrongLastSequence, jetstream.JSErrCodeStreamWrongLastSequenceConstant,
			errCodeBatchDuplicate:
			return true
		}
	}
	return false
}

// isStreamGone reports a stream that no longer exists (or lost the config
// atomic batches need): publishes find no responder, API calls say so.
func isStreamGone(err error) bool {
	if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, jetstream.ErrStreamNotFound) {
		return true
	}
	api := apiError(err)
	return api != nil && (api.ErrorCode == jetstream.JSErrCodeStreamNotFound || api.ErrorCode == errCodeAtomicDisabled)
}

// streamFailed marks the streams for re-creation when err says they are
// gone, and turns err into a re-synchronization.
func (c *Changefeed) streamFailed(err error) error {
	if !isStreamGone(err) {
		return err
	}
	c.streamsOK = false
	return fmt.Errorf("%w: %v", ErrResync, err)
}

// unreachable reports a failure that says nothing about the messages: the
// step was cancelled or NATS is not connected.
func (c *Changefeed) unreachable(ctx context.Context, err error) bool {
	return ctx.Err() != nil || c.js.Conn().Status() != nats.CONNECTED ||
		errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrDisconnected)
}

// isTimeout reports a request that got no answer in time.
func isTimeout(err error) bool {
	return errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded)
}

// rejectsBatch reports a batch the server refused for what it carries (its
// size, one of its messages) or did not answer in time: splitting it may
// help.
func rejectsBatch(err error) bool {
	if isTimeout(err) || rejectsMessage(err) {
		return true
	}
	api := apiError(err)
	return api != nil && (api.ErrorCode == errCodeBatchIncomplete || api.ErrorCode == errCodeBatchTooLarge)
}

// rejectsMessage reports the server's (or the client's) refusal of a
// message for what it is: too large, a bad header or subject. Nothing
// else (a fence, a lost stream, the account's resources, an incomplete
// batch) is ever blamed on one message.
func rejectsMessage(err error) bool {
	if errors.Is(err, nats.ErrMaxPayload) || errors.Is(err, nats.ErrBadSubject) || errors.Is(err, nats.ErrBadHeaderMsg) {
		return true
	}
	api := apiError(err)
	if api == nil || api.Code != 400 || isFenced(err) || isStreamGone(err) || resourceCodes[api.ErrorCode] {
		return false
	}
	return api.ErrorCode != errCodeBatchIncomplete && api.ErrorCode != errCodeBatchTooLarge
}

// batchLimitOf reads the server's atomic batch limit from its rejection.
func batchLimitOf(err error) (int, bool) {
	api := apiError(err)
	if api == nil || api.ErrorCode != errCodeBatchTooLarge {
		return 0, false
	}
	i := strings.LastIndexByte(api.Description, ' ')
	n, perr := strconv.Atoi(strings.TrimSpace(api.Description[i+1:]))
	return n, perr == nil && n > 1
}
