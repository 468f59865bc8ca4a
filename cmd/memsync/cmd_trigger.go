package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/memsync/memsync/protocol"
)

// triggerArgs is the command line of trigger.
type triggerArgs struct {
	*commandLine
	nats    natsFlags
	streams streamFlags
	body    []byte // the sync.trigger request
	timeout time.Duration
	expect  int
}

func parseTrigger(args []string) (*triggerArgs, error) {
	a := &triggerArgs{commandLine: newCommandLine("trigger")}
	a.use(&a.nats, &a.streams)
	mode := a.fs.String("mode", "incremental", "incremental, full, validate or rebuild")
	target := a.fs.String("target", "*", "a worker name, changefeed, or * for all")
	reason := a.fs.String("reason", "manual", "why (logged by the receivers)")
	a.fs.DurationVar(&a.timeout, "timeout", 10*time.Second, "how long to collect replies")
	a.fs.IntVar(&a.expect, "expect", 0, "stop as soon as this many replies arrived (0: wait for --timeout)")
	if err := a.parse(args); err != nil {
		return a, err
	}
	a.body, _ = json.Marshal(protocol.Trigger{Mode: protocol.TriggerMode(*mode), Target: *target, Reason: *reason})
	if _, err := protocol.DecodeTrigger(a.body); err != nil {
		return a, usageError(err)
	}
	return a, nil
}

// runTrigger publishes a sync.trigger request and prints every reply (one
// JSON object per line) that arrives before --timeout. Exit 0 when at least
// one component replied and all replies are ok, 1 when one was not ok, 2
// when nobody replied.
func runTrigger(ctx context.Context, args []string) error {
	a, err := parseTrigger(args)
	if err != nil {
		return err
	}
	n, err := a.nats.connect(a.logger(), false)
	if err != nil {
		return err
	}
	defer n.close()
	return collectReplies(ctx, n.nc, a.streams.triggerSubj, a.body, a.timeout, a.expect)
}

func collectReplies(ctx context.Context, nc *nats.Conn, subject string, body []byte, timeout time.Duration, expect int) error {
	inbox := nc.NewRespInbox()
	ch := make(chan *nats.Msg, 64)
	sub, err := nc.ChanSubscribe(inbox, ch)
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	if err := nc.PublishRequest(subject, inbox, body); err != nil {
		return err
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	replies, failed := 0, 0
	for {
		select {
		case m := <-ch:
			replies++
			var rep protocol.TriggerReply
			if json.Unmarshal(m.Data, &rep) != nil || !rep.OK {
				failed++
			}
			fmt.Fprintln(os.Stdout, string(m.Data))
			if expect > 0 && replies >= expect {
				return triggerExit(replies, failed)
			}
		case <-deadline.C:
			return triggerExit(replies, failed)
		case <-ctx.Done():
			return triggerExit(replies, failed)
		}
	}
}

func triggerExit(replies, failed int) error {
	switch {
	case replies == 0:
		return &exitError{exitBadInput, fmt.Errorf("no component replied")}
	case failed > 0:
		return &exitError{exitFailure, fmt.Errorf("%d of %d replies were not ok", failed, replies)}
	}
	return nil
}
