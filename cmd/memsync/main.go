package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]command{
	"run":        {"all-in-one: embedded NATS when --nats is absent, changefeed + one worker (--once: catch up and exit)", runAllInOne},
	"changefeed": {"the Turso -> JetStream publisher", runChangefeed},
	"worker":     {"the JetStream -> Pebble applier", runWorker},
	"seed":       {"write realistic demo memories into Turso", runSeed},
	"validate":   {"compare a cache with Turso (exit 0 consistent, 1 stale or diverged, 2 error)", runValidate},
	"status":     {"cursor, lag, staleness, counts of a cache (live from its worker, else read offline)", runStatus},
	"nats":       {"run a standalone embedded NATS JetStream server", runNATS},
	"trigger":    {"publish a sync.trigger request (--mode, --target) and print the replies", runTrigger},
	"consumer":   {"pause or resume a worker's consumer (consumer pause|resume --worker NAME)", runConsumer},
	"dlq":        {"list or retry dead letters (dlq list | dlq retry --seq N|--all)", runDLQ},
	"get":        {"print one cached entity: get episode|pattern|embedding ID (exit 1 when not cached)", runGet},
	"recent":     {"the most recent cached episodes (--limit, --domain, --task-type, --language, --since)", runRecent},
	"search":     {"keyword, vector or hybrid search of the cache (TEXT, --similar-to ID, --vector, --explain)", runSearch},
	"mcp":        {"an MCP server on stdio for agents (claude mcp add memsync -- memsync mcp)", runMCP},
	"rebuild":    {"full rebuild of a cache (--from turso|stream); the old cache is kept aside", runRebuild},
	"uninstall":  {"drop memsync's own objects from a database (--turso URL, --force, --json); the synced tables stay", runUninstall},
}

func main() {
	os.Exit(runCommand(os.Args[1:]))
}

// runCommand runs the command args name and returns the process's exit code.
func runCommand(args []string) int {
	if len(args) == 0 {
		usage()
		return exitBadInput
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage()
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "memsync: unknown command %q\n\n", args[0])
		usage()
		return exitBadInput
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return exitCode(args[0], cmd.run(ctx, args[1:]))
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: memsync <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nEvery flag also reads MEMSYNC_<FLAG> (e.g. MEMSYNC_DATA_DIR); run `memsync <command> -h` for flags.")
}
