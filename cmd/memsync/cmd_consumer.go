package main

import (
	"context"
	"fmt"
	"time"

	"github.com/memsync/memsync/worker"
)

// runConsumer pauses or resumes a worker's durable consumer on the server
// (maintenance, or to watch staleness detection work).
func runConsumer(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "pause" && args[0] != "resume") {
		return &exitError{2, fmt.Errorf("usage: memsync consumer pause|resume --worker NAME [--for 10m]")}
	}
	c := newFlags("consumer " + args[0])
	c.natsFlags()
	c.fs.StringVar(&c.workerName, "worker", "default", "worker whose consumer to pause or resume")
	dur := c.fs.Duration("for", 10*time.Minute, "pause length")
	if err := c.parse(args[1:]); err != nil {
		return err
	}
	n, err := c.connectNATS(c.logger(), false)
	if err != nil {
		return err
	}
	defer n.close()
	s, err := n.js.Stream(ctx, c.stream)
	if err != nil {
		return err
	}
	name := worker.ConsumerName(c.dbName, c.workerName)
	if args[0] == "resume" {
		_, err = s.ResumeConsumer(ctx, name)
	} else {
		_, err = s.PauseConsumer(ctx, name, time.Now().Add(*dur))
	}
	if err == nil {
		fmt.Printf("consumer %s %sd\n", name, args[0])
	}
	return err
}
