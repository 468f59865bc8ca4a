package main

import (
	"context"
	"fmt"
	"time"

	"github.com/memsync/memsync/worker"
)

// consumerArgs is the command line of consumer pause|resume.
type consumerArgs struct {
	*commandLine
	nats     natsFlags
	streams  streamFlags
	action   string // pause or resume
	worker   string
	pauseFor time.Duration
}

func parseConsumer(args []string) (*consumerArgs, error) {
	if len(args) == 0 || (args[0] != "pause" && args[0] != "resume") {
		return nil, usageError(fmt.Errorf("usage: memsync consumer pause|resume --worker NAME [--for 10m]"))
	}
	a := &consumerArgs{commandLine: newCommandLine("consumer " + args[0]), action: args[0]}
	a.use(&a.nats, &a.streams)
	a.fs.StringVar(&a.worker, "worker", "default", "worker whose consumer to pause or resume")
	a.fs.DurationVar(&a.pauseFor, "for", 10*time.Minute, "pause length")
	return a, a.parse(args[1:])
}

// runConsumer pauses or resumes a worker's durable consumer on the server
// (maintenance, or to watch staleness detection work).
func runConsumer(ctx context.Context, args []string) error {
	a, err := parseConsumer(args)
	if err != nil {
		return err
	}
	n, err := a.nats.connect(a.logger(), false)
	if err != nil {
		return err
	}
	defer n.close()
	s, err := n.js.Stream(ctx, a.streams.stream)
	if err != nil {
		return err
	}
	name := worker.ConsumerName(a.streams.dbName, a.worker)
	if a.action == "resume" {
		_, err = s.ResumeConsumer(ctx, name)
	} else {
		_, err = s.PauseConsumer(ctx, name, time.Now().Add(a.pauseFor))
	}
	if err == nil {
		fmt.Printf("consumer %s %sd\n", name, a.action)
	}
	return err
}
