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

func runDLQ(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "retry") {
		return &exitError{2, fmt.Errorf("usage: memsync dlq list|retry [flags]")}
	}
	c := newFlags("dlq " + args[0])
	c.tursoFlags()
	c.natsFlags()
	all := c.fs.Bool("all", false, "retry every dead letter")
	seq := c.fs.Uint64("seq", 0, "retry the dead letter with this sequence")
	if err := c.parse(args[1:]); err != nil {
		return err
	}
	log := c.logger()
	n, err := c.connectNATS(log, false)
	if err != nil {
		return err
	}
	defer n.close()
	letters, err := readDeadLetters(ctx, n.js, c.dlqStream)
	if err != nil {
		return err
	}
	if args[0] == "list" {
		enc := json.NewEncoder(os.Stdout)
		for _, l := range letters {
			_ = enc.Encode(l)
		}
		return nil
	}
	if !*all && *seq == 0 {
		return &exitError{2, errors.New("dlq retry needs --seq N or --all")}
	}
	return retryDeadLetters(ctx, c, n.js, letters, *seq)
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

// retryDeadLetters re-captures each entity in Turso (the changefeed then
// publishes its current row) and removes the dead letter.
func retryDeadLetters(ctx context.Context, c *common, js jetstream.JetStream, letters []deadLetter, only uint64) error {
	db, err := c.openTurso(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := js.Stream(ctx, c.dlqStream)
	if err != nil {
		return err
	}
	retried := 0
	for _, l := range letters {
		if (only != 0 && l.Seq != only) || l.Entity == "" {
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
