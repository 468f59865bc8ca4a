package main

import "context"

// changefeedArgs is the command line of changefeed.
type changefeedArgs struct {
	*commandLine
	turso      tursoFlags
	nats       natsFlags
	streams    streamFlags
	changefeed changefeedFlags
	metrics    metricsFlags
	memory     memoryFlags
}

func parseChangefeed(args []string) (*changefeedArgs, error) {
	a := &changefeedArgs{commandLine: newCommandLine("changefeed")}
	a.use(&a.turso, &a.nats, &a.streams, &a.changefeed, &a.metrics, &a.memory)
	return a, a.parse(args)
}

// runChangefeed publishes Turso's change log to the stream until ctx is
// done; it starts while Turso is unreachable and retries.
func runChangefeed(ctx context.Context, args []string) error {
	a, err := parseChangefeed(args)
	if err != nil {
		return err
	}
	log := a.logger()
	a.memory.apply(log)
	db, err := a.turso.openLazy(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := a.nats.connect(log, false)
	if err != nil {
		return err
	}
	defer n.close()
	obs := newPipelineMetrics()
	cf, err := newChangefeed(db, n, a.changefeed.options(&a.streams, log), obs)
	if err != nil {
		return err
	}
	log.Info("changefeed running", "turso", db.URL(), "stream", a.streams.stream, "db", a.streams.dbName)
	return runServices(ctx, &a.metrics, obs, changefeedService(n, cf, a.streams.triggerSubj, log))
}
