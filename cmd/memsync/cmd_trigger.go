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

// runTrigger publishes a sync.trigger request and prints every reply (one
// JSON object per line) that arrives before --timeout. Exit 0 when at least
// one component replied and all replies are ok, 1 when one was not ok, 2
// when nobody replied.
func runTrigger(ctx context.Context, args []string) error {
	c := newFlags("trigger")
	c.natsFlags()
	mode := c.fs.String("mode", "incremental", "incremental, full, validate or rebuild")
	target := c.fs.String("target", "*", "a worker name, changefeed, or * for all")
	reason := c.fs.String("reason", "manual", "why (logged by the receivers)")
	timeout := c.fs.Duration("timeout", 10*time.Second, "how long to collect replies")
	expect := c.fs.Int("expect", 0, "stop as soon as this many replies arrived (0: wait for --timeout)")
	if err := c.parse(args); err != nil {
		return err
	}
	body, _ := json.Marshal(protocol.Trigger{Mode: protocol.TriggerMode(*mode), Target: *target, Reason: *reason})
	if _, err := protocol.DecodeTrigger(body); err != nil {
		return &exitError{2, err}
	}
	log := c.logger()
	n, err := c.connectNATS(log, false)
	if err != nil {
		return err
	}
	defer n.close()
	return collectReplies(ctx, n.nc, c.triggerSubj, body, *timeout, *expect)
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
		return &exitError{2, fmt.Errorf("no component replied")}
	case failed > 0:
		return &exitError{1, fmt.Errorf("%d of %d replies were not ok", failed, replies)}
	}
	return nil
}
