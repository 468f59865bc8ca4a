package changefeed

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

func apiErr(code int, errCode jetstream.ErrorCode, desc string) error {
	return fmt.Errorf("changefeed: publish batch: %w", &jetstream.APIError{Code: code, ErrorCode: errCode, Description: desc})
}

// INVARIANT 1.2: only a refusal of a message for what it is may park it;
// fences, lost streams, resources, timeouts and incomplete batches never do.
func TestClassifyPublishErrors(t *testing.T) {
	cases := []struct {
		name                      string
		err                       error
		fenced, gone, split, park bool
	}{
		{"wrong last sequence", apiErr(400, jetstream.JSErrCodeStreamWrongLastSequence, "wrong last sequence: 4"), true, false, false, false},
		{"duplicate in batch", apiErr(400, errCodeBatchDuplicate, "batch contains duplicate message id"), true, false, false, false},
		{"no responders", fmt.Errorf("batch message 1 ack failed: %w", nats.ErrNoResponders), false, true, false, false},
		{"stream not found", apiErr(404, jetstream.JSErrCodeStreamNotFound, "stream not found"), false, true, false, false},
		{"atomic publish disabled", apiErr(400, errCodeAtomicDisabled, "atomic publish is disabled"), false, true, false, false},
		{"batch too large", apiErr(400, errCodeBatchTooLarge, "atomic publish batch is too large: 20"), false, false, true, false},
		{"batch incomplete", apiErr(400, errCodeBatchIncomplete, "atomic publish batch is incomplete"), false, false, true, false},
		{"timeout", context.DeadlineExceeded, false, false, true, false},
		{"message too large for the stream", apiErr(400, 10054, "message size exceeds maximum allowed"), false, false, true, true},
		{"header too large", apiErr(400, 10097, "header size exceeds maximum allowed of 64k"), false, false, true, true},
		{"max payload (client)", fmt.Errorf("publishing message in the batch: %w", nats.ErrMaxPayload), false, false, true, true},
		{"storage full", apiErr(500, 10047, "insufficient storage resources available"), false, false, false, false},
		{"account limits", apiErr(400, 10002, "resource limits exceeded for account"), false, false, false, false},
		{"too many inflight", apiErr(429, 10210, "atomic publish too many inflight"), false, false, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := isFenced(tc.err); got != tc.fenced {
				t.Errorf("isFenced = %v", got)
			}
			if got := isStreamGone(tc.err); got != tc.gone {
				t.Errorf("isStreamGone = %v", got)
			}
			if got := rejectsBatch(tc.err); got != tc.split {
				t.Errorf("rejectsBatch = %v", got)
			}
			if got := rejectsMessage(tc.err); got != tc.park {
				t.Errorf("rejectsMessage = %v", got)
			}
		})
	}
	if n, ok := batchLimitOf(cases[5].err); !ok || n != 20 {
		t.Fatalf("batchLimitOf: %d %v", n, ok)
	}
}

// Cutting a batch keeps the cursor just below the first change left out,
// so an entity left out is read again (its newest change is above it).
func TestOutBatchCut(t *testing.T) {
	b := &outBatch{cursor: 40}
	for _, v := range []uint64{12, 15, 21, 30} {
		b.msgs = append(b.msgs, &nats.Msg{Subject: "s", Header: nats.Header{}})
		b.items = append(b.items, item{Version: v})
	}
	b.cut(2)
	if len(b.msgs) != 2 || b.cursor != 20 {
		t.Fatalf("after cut(2): %d messages, cursor %d; want 2 and 20", len(b.msgs), b.cursor)
	}
}

// A dead letter always fits: the reason and the id it carries are bounded.
func TestDeadLetterBounds(t *testing.T) {
	long := strings.Repeat("é", 40_000) // 80 KB, multi-byte
	it := item{Entity: protocol.EntityEpisode, ID: long, Version: 3}
	r := reason(fmt.Errorf("%w: episode %q: column 4", turso.ErrMalformedRow, long), it)
	if len(r) > maxReasonBytes+len("…") || !strings.HasPrefix(r, "(id of 80000 bytes") || strings.ContainsAny(r, "\r\n") {
		t.Fatalf("reason of %d bytes: %.80q", len(r), r)
	}
	if body := dlqBody(it, 1<<20); len(body) > maxDLQIDBytes+2 {
		t.Fatalf("body of %d bytes", len(body))
	}
}

// A stream is updated only when it lacks one of memsync's settings.
func TestConfigCovers(t *testing.T) {
	want := StreamConfig("MEMSYNC", 1, time.Hour)
	have := want
	have.Metadata = map[string]string{"_nats.level": "1"}
	for k, v := range want.Metadata {
		have.Metadata[k] = v
	}
	have.MaxMsgs, have.FirstSeq = -1, 1 // server defaults are not compared
	if !configCovers(have, want) {
		t.Fatal("a stream with every setting (and server defaults) is not covered")
	}
	for name, change := range map[string]func(*jetstream.StreamConfig){
		"replicas":       func(c *jetstream.StreamConfig) { c.Replicas = 3 },
		"subjects":       func(c *jetstream.StreamConfig) { c.Subjects = c.Subjects[:1] },
		"tombstone ttl":  func(c *jetstream.StreamConfig) { c.Metadata = map[string]string{} },
		"per subject":    func(c *jetstream.StreamConfig) { c.MaxMsgsPerSubject = 0 },
		"atomic publish": func(c *jetstream.StreamConfig) { c.AllowAtomicPublish = false },
		"max bytes":      func(c *jetstream.StreamConfig) { c.MaxBytes = 1 },
	} {
		c := have
		c.Metadata = maps.Clone(have.Metadata)
		change(&c)
		if configCovers(c, want) {
			t.Errorf("%s changed: still covered", name)
		}
	}
}

// Against the real server: streams EnsureStreams created are covered by
// their own options (a restart sends no update), and a changed option is
// applied.
func TestEnsureStreamsUpdatesOnlyWhatChanged(t *testing.T) {
	_, js := testenv.StartNATS(t).Connect(t)
	o := (*Options)(nil).EnsureDefaults()
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureStreams(t.Context(), js, o); err != nil {
		t.Fatal(err)
	}
	for _, want := range []jetstream.StreamConfig{StreamConfig(o.Stream, o.Replicas, o.TombstoneTTL), o.dlqConfig()} {
		s, err := js.Stream(t.Context(), want.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !configCovers(s.CachedInfo().Config, want) {
			t.Fatalf("stream %s as created is not covered by its own options: %+v", want.Name, s.CachedInfo().Config)
		}
	}
	o.DLQMaxBytes = 2 * DefaultDLQMaxBytes
	if _, err := EnsureStreams(t.Context(), js, o); err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(t.Context(), o.DLQStream)
	if err != nil || s.CachedInfo().Config.MaxBytes != 2*DefaultDLQMaxBytes {
		t.Fatalf("changed DLQ limit not applied: %v %+v", err, s.CachedInfo().Config)
	}
}
