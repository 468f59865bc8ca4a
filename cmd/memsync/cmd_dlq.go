package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/protocol"
)

// deadLetter is one parked message as `dlq list` prints it.
type deadLetter struct {
	Seq     uint64          `json:"seq"`
	Subject string          `json:"subject"`
	Source  string          `json:"source"`
	Error   string          `json:"error"`
	Entity  protocol.Entity `json:"entity"`
	ID      string          `json:"id"`
	Version string          `json:"version,omitempty"`
	Time    time.Time       `json:"time"`
}

// dlqArgs is the command line of dlq list|retry.
type dlqArgs struct {
	*commandLine
	turso   tursoFlags
	nats    natsFlags
	streams streamFlags
	action  string // list or retry
	all     bool
	seq     uint64
}

func parseDLQ(args []string) (*dlqArgs, error) {
	if len(args) == 0 || (args[0] != "list" && args[0] != "retry") {
		return nil, usageError(fmt.Errorf("usage: memsync dlq list|retry [flags]"))
	}
	a := &dlqArgs{commandLine: newCommandLine("dlq " + args[0]), action: args[0]}
	a.use(&a.turso, &a.nats, &a.streams)
	a.fs.BoolVar(&a.all, "all", false, "retry every dead letter")
	a.fs.Uint64Var(&a.seq, "seq", 0, "retry the dead letter with this sequence")
	return a, a.parse(args[1:])
}

// runDLQ lists the dead letters (one JSON object a line) or retries them.
func runDLQ(ctx context.Context, args []string) error {
	a, err := parseDLQ(args)
	if err != nil {
		return err
	}
	n, err := a.nats.connect(a.logger(), false)
	if err != nil {
		return err
	}
	defer n.close()
	letters, err := readDeadLetters(ctx, n.js, a.streams.dlqStream)
	if err != nil {
		return err
	}
	if a.action == "list" {
		enc := json.NewEncoder(os.Stdout)
		for _, l := range letters {
			_ = enc.Encode(l)
		}
		return nil
	}
	if !a.all && a.seq == 0 {
		return usageError(errors.New("dlq retry needs --seq N or --all"))
	}
	return a.retry(ctx, n.js, letters)
}

func readDeadLetters(ctx context.Context, js jetstream.JetStream, stream string) ([]deadLetter, error) {
	s, err := js.Stream(ctx, stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []deadLetter
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, toDeadLetter(m))
	}
	return out, nil
}

func toDeadLetter(m *jetstream.RawStreamMsg) deadLetter {
	l := deadLetter{Seq: m.Sequence, Subject: m.Subject, Source: m.Header.Get(protocol.HeaderSource),
		Error: m.Header.Get(protocol.HeaderError), Version: m.Header.Get(protocol.HeaderVersion), Time: m.Time}
	subj := m.Header.Get(protocol.HeaderOrigSubject)
	if subj == "" {
		subj = "memsync" + m.Subject[len(protocol.DLQSubjectRoot):]
	}
	if p, err := protocol.ParseSubject(subj); err == nil {
		l.Entity, l.ID = p.Entity, p.ID
	}
	return l
}

// retry re-captures each entity in Turso (the changefeed then publishes its
// current row) and removes its dead letter; with --seq only that one.
func (a *dlqArgs) retry(ctx context.Context, js jetstream.JetStream, letters []deadLetter) error {
	db, err := a.turso.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := js.Stream(ctx, a.streams.dlqStream)
	if err != nil {
		return err
	}
	retried := 0
	for _, l := range letters {
		if (a.seq != 0 && l.Seq != a.seq) || l.Entity == "" {
			continue
		}
		if err := db.Recapture(ctx, l.Entity, l.ID); err != nil {
			return err
		}
		if err := s.DeleteMsg(ctx, l.Seq); err != nil {
			return err
		}
		retried++
	}
	fmt.Println("retried " + strconv.Itoa(retried) + " dead letters")
	return nil
}
