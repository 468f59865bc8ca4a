package integration

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/protocol"
)

// audit is an uncompacted copy of everything the MEMSYNC stream stored (a
// stream sourcing it), so tests can see every message ever accepted, not
// only the latest per subject.
type audit struct {
	t  *testing.T
	js jetstream.JetStream
}

func (e *env) startAudit() *audit {
	e.t.Helper()
	_, err := e.js.CreateStream(e.t.Context(), jetstream.StreamConfig{
		Name: "AUDIT", Storage: jetstream.FileStorage,
		Sources: []*jetstream.StreamSource{{Name: "MEMSYNC"}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return &audit{t: e.t, js: e.js}
}

type auditMsg struct {
	subject string
	version uint64
	cursor  uint64
}

// messages waits until the audit holds every message MEMSYNC ever stored
// (by comparing with the source's last sequence) and returns them. Sourcing
// is asynchronous and, on a loaded machine, stalls for seconds at a time
// (CI saw "audit read: nats: timeout" after a 2 s wait): a wait that comes
// back empty is retried until the whole read has taken a minute.
func (a *audit) messages(wantLastSeq uint64) []auditMsg {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := a.js.Stream(ctx, "AUDIT")
	if err != nil {
		a.t.Fatal(err)
	}
	c, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		a.t.Fatal(err)
	}
	var out []auditMsg
	for {
		m, err := c.Next(jetstream.FetchMaxWait(2 * time.Second))
		if errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil {
			continue // the source has not delivered the next message yet
		}
		if err != nil {
			a.t.Fatalf("audit read: %v (have %d messages, want up to source sequence %d)", err, len(out), wantLastSeq)
		}
		out = append(out, parseAudit(a.t, m))
		if src := sourceSeq(m); src >= wantLastSeq {
			return out
		}
	}
}

func sourceSeq(m jetstream.Msg) uint64 {
	// Nats-Stream-Source: "<stream> <seq> ..." (the origin sequence is the second field)
	var name string
	var seq uint64
	fmt.Sscanf(m.Headers().Get("Nats-Stream-Source"), "%s %d", &name, &seq)
	return seq
}

func parseAudit(t *testing.T, m jetstream.Msg) auditMsg {
	am := auditMsg{subject: m.Subject()}
	if v := m.Headers().Get(protocol.HeaderVersion); v != "" {
		am.version, _ = strconv.ParseUint(v, 10, 64)
		return am
	}
	cp, err := protocol.DecodeCheckpoint(m.Data())
	if err != nil {
		t.Fatalf("audit: %s: %v", m.Subject(), err)
	}
	am.cursor = cp.Cursor
	return am
}

// checkNoDuplicatesOrReordering asserts that every (subject, version) was
// stored once, versions only grow per subject, and checkpoints only grow.
func checkNoDuplicatesOrReordering(t *testing.T, msgs []auditMsg) {
	t.Helper()
	last := map[string]uint64{}
	var cursor uint64
	for i, m := range msgs {
		if m.version == 0 {
			if m.cursor < cursor {
				t.Fatalf("message %d: checkpoint went back from %d to %d", i, cursor, m.cursor)
			}
			cursor = m.cursor
			continue
		}
		if prev, ok := last[m.subject]; ok && m.version <= prev {
			t.Fatalf("message %d: %s version %d after %d (duplicate or reordering)", i, m.subject, m.version, prev)
		}
		last[m.subject] = m.version
	}
}

// streamLastSeq is the MEMSYNC stream's last sequence.
func (e *env) streamLastSeq() uint64 {
	e.t.Helper()
	s, err := e.js.Stream(e.t.Context(), "MEMSYNC")
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return info.State.LastSeq
}

// checkStreamMatchesTurso asserts "no hole": every entity that has a row in
// Turso has its latest version as the retained message on its subject.
func (e *env) checkStreamMatchesTurso() {
	e.t.Helper()
	mustDo(e.t, e.streamMatchesTurso())
}
