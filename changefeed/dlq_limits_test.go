package changefeed

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
	"github.com/memsync/memsync/protocol"
)

// dlqFeed is an installed changefeed with its streams ready over a real
// libSQL file and a real nats-server.
func dlqFeed(t *testing.T, js jetstream.JetStream, o Options) (*Changefeed, *turso.DB) {
	t.Helper()
	db, _ := testenv.Turso(t)
	o.Logger = slog.New(slog.DiscardHandler)
	c, err := New(db, js, &o)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ensureReady(t.Context()); err != nil {
		t.Fatal(err)
	}
	return c, db
}

func dlqInfo(t *testing.T, js jetstream.JetStream, name string) *jetstream.StreamInfo {
	t.Helper()
	s, err := js.Stream(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// Issue 9 item 6: the dead-letter stream the changefeed creates carries a
// byte limit (default 256 MiB, configurable) that discards the oldest
// entries, besides its 30-day max age; a limit too small for one poison
// message is refused.
func TestDLQStreamHasAByteLimit(t *testing.T) {
	cases := []struct {
		name string
		set  int64
		want int64
	}{
		{"default", 0, 256 << 20},
		{"configured", 3 << 20, 3 << 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, js := testenv.StartNATS(t).Connect(t)
			dlqFeed(t, js, Options{DLQMaxBytes: tc.set})
			cfg := dlqInfo(t, js, "MEMSYNC_DLQ").Config
			if cfg.MaxBytes != tc.want || cfg.Discard != jetstream.DiscardOld || cfg.MaxAge != 30*24*time.Hour {
				t.Fatalf("dead-letter stream: max bytes %d, discard %v, max age %v; want %d, discard old, 720h",
					cfg.MaxBytes, cfg.Discard, cfg.MaxAge, tc.want)
			}
		})
	}
	if _, err := New(nil, nil, &Options{DLQMaxBytes: 4096}); err == nil {
		t.Fatal("a dead-letter stream of 4096 bytes was accepted")
	}
}

// Issue 9 item 6: beyond its byte limit the dead-letter stream drops its
// oldest dead letters; parking never fails and never blocks the stream.
// 600 malformed rows with ~1 KB ids make ~2 MiB of dead letters for a
// 1 MiB stream.
func TestDLQOverLimitDiscardsOldest(t *testing.T) {
	n := testenv.StartNATS(t)
	_, js := n.Connect(t)
	const rows, limit = 600, 1 << 20
	c, db := dlqFeed(t, js, Options{DLQMaxBytes: limit})
	malformedEmbeddings(t, db, "over", rows)
	head := publishToHead(t, c, db)
	st := c.Stats()
	if st.DeadLetters != rows || st.DeadLettersLost != 0 {
		t.Fatalf("parked %d, lost %d; want %d parked and none lost", st.DeadLetters, st.DeadLettersLost, rows)
	}
	info := dlqInfo(t, js, "MEMSYNC_DLQ")
	t.Logf("dead-letter stream after %d dead letters: %d messages, %d bytes (limit %d), first seq %d, last seq %d",
		rows, info.State.Msgs, info.State.Bytes, limit, info.State.FirstSeq, info.State.LastSeq)
	if info.State.Bytes > limit || info.State.FirstSeq <= 1 || info.State.LastSeq != rows {
		t.Fatalf("dead-letter stream holds %d bytes from seq %d to %d; want at most %d bytes, the oldest discarded, the newest (%d) kept",
			info.State.Bytes, info.State.FirstSeq, info.State.LastSeq, limit, rows)
	}
	if c.Cursor() != head {
		t.Fatalf("cursor %d, want the head %d", c.Cursor(), head)
	}
}

// Issue 9 item 6: the limits are applied to an existing dead-letter stream
// (one created without a byte limit by an earlier version, or with another
// limit): ensuring the streams updates it, and shrinking it drops the
// oldest dead letters at once.
func TestDLQLimitUpdatesExistingStream(t *testing.T) {
	n := testenv.StartNATS(t)
	_, js := n.Connect(t)
	old := jetstream.StreamConfig{Name: "MEMSYNC_DLQ", Subjects: []string{protocol.DLQSubjectRoot + ".>"}, // as before issue 9
		Storage: jetstream.FileStorage, MaxAge: 30 * 24 * time.Hour, Replicas: 1}
	if _, err := js.CreateStream(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 16<<10)
	for i := range 200 { // 3.2 MiB
		if _, err := js.Publish(t.Context(), protocol.DLQSubject("default", protocol.EntityEpisode, fmt.Sprint("ep-", i)), body); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		limit     int64
		wantBytes int64 // at most
	}{
		{2 << 20, 2 << 20},
		{256 << 20, 2 << 20},
		{1 << 20, 1 << 20},
	}
	for _, st := range steps {
		dlqFeed(t, js, Options{DLQMaxBytes: st.limit})
		info := dlqInfo(t, js, "MEMSYNC_DLQ")
		if info.Config.MaxBytes != st.limit || info.State.Bytes > uint64(st.wantBytes) || info.State.LastSeq != 200 {
			t.Fatalf("limit %d: stream has max bytes %d and holds %d bytes up to seq %d; want the limit, at most %d bytes, seq 200",
				st.limit, info.Config.MaxBytes, info.State.Bytes, info.State.LastSeq, st.wantBytes)
		}
	}
}

// malformedEmbeddings writes n embeddings of an unknown owner kind (parked
// as malformed) with ids of about 1 KB, in one transaction.
func malformedEmbeddings(t *testing.T, db *turso.DB, prefix string, n int) {
	t.Helper()
	_, err := db.SQL().ExecContext(t.Context(), `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
INSERT INTO embeddings (embedding_id, item_id, item_type, embedding_data, dimension, model)
SELECT printf('emb-%s-%05d-%.*c', ?, i, 1000, 'x'), 'x', 'widget', '[1]', 1, 'm' FROM k`, n, prefix)
	if err != nil {
		t.Fatal(err)
	}
}

// publishToHead polls until the cursor reaches the change log's head.
func publishToHead(t *testing.T, c *Changefeed, db *turso.DB) uint64 {
	t.Helper()
	head, err := db.Head(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for c.Cursor() < head {
		if _, err := c.PollOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return head
}
