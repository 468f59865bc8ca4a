package main

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// parsers parse each command's command line in-process, as main would
// (dlq and consumer with their subcommand); the *commandLine is nil only
// when the subcommand is missing.
var parsers = []struct {
	name  string
	parse func(args []string) (*commandLine, error)
}{
	{"run", func(a []string) (*commandLine, error) { x, err := parseRun(a); return x.commandLine, err }},
	{"changefeed", func(a []string) (*commandLine, error) { x, err := parseChangefeed(a); return x.commandLine, err }},
	{"worker", func(a []string) (*commandLine, error) { x, err := parseWorker(a); return x.commandLine, err }},
	{"rebuild", func(a []string) (*commandLine, error) { x, err := parseRebuild(a); return x.commandLine, err }},
	{"seed", func(a []string) (*commandLine, error) { x, err := parseSeed(a); return x.commandLine, err }},
	{"validate", func(a []string) (*commandLine, error) { x, err := parseValidate(a); return x.commandLine, err }},
	{"status", func(a []string) (*commandLine, error) { x, err := parseStatus(a); return x.commandLine, err }},
	{"trigger", func(a []string) (*commandLine, error) { x, err := parseTrigger(a); return x.commandLine, err }},
	{"get", func(a []string) (*commandLine, error) { x, err := parseGet(a); return x.commandLine, err }},
	{"recent", func(a []string) (*commandLine, error) { x, err := parseRecent(a); return x.commandLine, err }},
	{"search", func(a []string) (*commandLine, error) { x, err := parseSearch(a); return x.commandLine, err }},
	{"mcp", func(a []string) (*commandLine, error) { x, err := parseMCP(a); return x.commandLine, err }},
	{"uninstall", func(a []string) (*commandLine, error) { x, err := parseUninstall(a); return x.commandLine, err }},
	{"nats", func(a []string) (*commandLine, error) { x, err := parseNATS(a); return x.commandLine, err }},
	{"dlq list", subcommand(parseDLQ, "list")},
	{"dlq retry", subcommand(parseDLQ, "retry")},
	{"consumer pause", subcommand(parseConsumer, "pause")},
	{"consumer resume", subcommand(parseConsumer, "resume")},
}

func subcommand[A interface{ line() *commandLine }](parse func([]string) (A, error), sub string) func([]string) (*commandLine, error) {
	return func(a []string) (*commandLine, error) {
		x, err := parse(append([]string{sub}, a...))
		return x.line(), err
	}
}

func (a *dlqArgs) line() *commandLine      { return a.commandLine }
func (a *consumerArgs) line() *commandLine { return a.commandLine }

// cleanEnv unsets every variable memsync reads for the rest of the test.
func cleanEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "MEMSYNC_") || strings.HasPrefix(k, "TURSO_") || strings.HasPrefix(k, "NATS_") {
			t.Setenv(k, "") // restored after the test
			os.Unsetenv(k)
		}
	}
}

// captureFlagOutput collects what the flag package prints (-h, parse
// errors) for the rest of the test.
func captureFlagOutput(t *testing.T) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	old := flagOutput
	flagOutput = &b
	t.Cleanup(func() { flagOutput = old })
	return &b
}

// codeOf is the exit code err carries (0 for nil, 1 for a plain error).
func codeOf(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	return exitFailure
}
