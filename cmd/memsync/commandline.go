package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
)

// commandLine is one command's command line: its flag set with the flags
// every command has (--data-dir, --log-format, --log-level), the flag
// groups the command uses, and the positional arguments it was given.
type commandLine struct {
	fs      *flag.FlagSet
	dataDir string
	log     logFlags
	maxArgs int      // positional arguments the command takes
	args    []string // the positional arguments given
	checks  []checker
}

// A flagGroup registers its flags (and so their MEMSYNC_<FLAG> variables)
// into a command line.
type flagGroup interface {
	register(cl *commandLine)
}

// A checker is a flag group with values to check, or files to read, once
// the command line is parsed.
type checker interface {
	check() error
}

// flagOutput receives -h and the flag package's parse errors.
var flagOutput io.Writer = os.Stderr

// conventionalEnv are the environment variables honoured besides
// MEMSYNC_<FLAG> (which wins when both are set).
var conventionalEnv = map[string]string{
	"turso": "TURSO_DATABASE_URL", "turso-token": "TURSO_AUTH_TOKEN", "nats": "NATS_URL", "nats-creds": "NATS_CREDS",
	"nats-user": "NATS_USER", "nats-password": "NATS_PASSWORD", "nats-token": "NATS_TOKEN", "nats-nkey": "NATS_NKEY",
}

func newCommandLine(name string) *commandLine {
	cl := &commandLine{fs: flag.NewFlagSet("memsync "+name, flag.ContinueOnError)}
	cl.fs.SetOutput(flagOutput)
	cl.fs.StringVar(&cl.dataDir, "data-dir", "./memsync-data", "directory for the local database, caches and embedded NATS store")
	cl.use(&cl.log)
	return cl
}

// use registers the groups' flags.
func (cl *commandLine) use(groups ...flagGroup) {
	for _, g := range groups {
		g.register(cl)
		if c, ok := g.(checker); ok {
			cl.checks = append(cl.checks, c)
		}
	}
}

// parse applies the environment, then the command line, then the checks.
func (cl *commandLine) parse(args []string) error {
	if err := cl.applyEnv(); err != nil {
		return usageError(err)
	}
	pos, err := cl.parseInterleaved(args)
	if err != nil {
		return err
	}
	if len(pos) > cl.maxArgs {
		return usageError(fmt.Errorf("unexpected arguments: %v", pos[cl.maxArgs:]))
	}
	cl.args = pos
	return cl.check()
}

// applyEnv sets every registered flag that has a variable in the
// environment; the first bad value is reported, naming its flag.
func (cl *commandLine) applyEnv() error {
	var envErr error
	cl.fs.VisitAll(func(f *flag.Flag) {
		if v, ok := lookupEnv(f.Name); ok {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("environment for --%s: %v", f.Name, err)
			}
		}
	})
	return envErr
}

// parseInterleaved parses flags given before, between and after the
// positional arguments (`search "flaky tests" --domain web-api`).
func (cl *commandLine) parseInterleaved(args []string) ([]string, error) {
	var pos []string
	for {
		if err := cl.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usageError(nil) // the flag package printed why
		}
		rest := cl.fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// envName is the variable every flag reads: MEMSYNC_ and the flag's name
// in upper case with '_' for '-'.
func envName(flagName string) string {
	return "MEMSYNC_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func lookupEnv(flagName string) (string, bool) {
	if v, ok := os.LookupEnv(envName(flagName)); ok {
		return v, true
	}
	if k, ok := conventionalEnv[flagName]; ok {
		return os.LookupEnv(k)
	}
	return "", false
}

// check runs the groups' checks, the first failure exiting 2.
func (cl *commandLine) check() error {
	checks := append([]checker(nil), cl.checks...)
	sort.SliceStable(checks, func(i, j int) bool { return checkRank(checks[i]) < checkRank(checks[j]) })
	for _, c := range checks {
		if err := c.check(); err != nil {
			return usageError(err)
		}
	}
	return nil
}

// checkRank orders the checks whatever the order the groups were
// registered in, so that with several bad values the one reported is the
// same for every command: the token files are read first, then the values
// are checked.
func checkRank(c checker) int {
	switch c.(type) {
	case *tursoFlags:
		return 0
	case *serveFlags, *readFlags:
		return 1
	case *natsFlags:
		return 2
	case *logFlags:
		return 3
	case *cacheFlags:
		return 4
	}
	return 5
}

// logger builds the command's logger (logging.go).
func (cl *commandLine) logger() *slog.Logger { return cl.log.logger() }
