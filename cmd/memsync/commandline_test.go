package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A flag on the command line beats its environment variable, which beats
// the default; the conventional TURSO_*/NATS_* names give way to
// MEMSYNC_<FLAG>; defaults derived from --data-dir follow it.
func TestFlagBeatsEnvBeatsDefault(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		get  func(a *workerArgs) any
		want any
	}{
		{"default", nil, nil, staleAfter, 30 * time.Second},
		{"env beats default", map[string]string{"MEMSYNC_STALE_AFTER": "45s"}, nil, staleAfter, 45 * time.Second},
		{"flag beats env", map[string]string{"MEMSYNC_STALE_AFTER": "45s"}, []string{"--stale-after", "1m"}, staleAfter, time.Minute},
		{"flag=value", nil, []string{"-stale-after=2m"}, staleAfter, 2 * time.Minute},
		{"conventional env", map[string]string{"TURSO_DATABASE_URL": "libsql://conv"}, nil, tursoTarget, "libsql://conv"},
		{"MEMSYNC_ beats conventional", map[string]string{"TURSO_DATABASE_URL": "libsql://conv", "MEMSYNC_TURSO": "libsql://own"}, nil, tursoTarget, "libsql://own"},
		{"flag beats both", map[string]string{"TURSO_DATABASE_URL": "libsql://conv", "MEMSYNC_TURSO": "libsql://own"}, []string{"--turso", "libsql://flag"}, tursoTarget, "libsql://flag"},
		{"NATS_URL", map[string]string{"NATS_URL": "nats://conv:4222"}, nil, func(a *workerArgs) any { return a.nats.url }, "nats://conv:4222"},
		{"default Turso under env data dir", map[string]string{"MEMSYNC_DATA_DIR": "/d"}, nil, tursoTarget, "file:/d/memory.db"},
		{"default cache under data dir", map[string]string{"MEMSYNC_DATA_DIR": "/d", "MEMSYNC_WORKER": "w1"}, nil, cachePath, "/d/cache/w1"},
		{"--cache beats the default", map[string]string{"MEMSYNC_DATA_DIR": "/d"}, []string{"--cache", "/c"}, cachePath, "/c"},
		{"bool env", map[string]string{"MEMSYNC_NO_PATTERNS": "true"}, nil, func(a *workerArgs) any { return a.storeOptions().NoPatterns }, true},
		{"bool flag beats env", map[string]string{"MEMSYNC_NO_PATTERNS": "true"}, []string{"--no-patterns=false"}, func(a *workerArgs) any { return a.storeOptions().NoPatterns }, false},
		{"size env", map[string]string{"MEMSYNC_KEEP_ASIDE_BYTES": "512MiB"}, nil, func(a *workerArgs) any { return a.asideBudget().Bytes }, int64(512 << 20)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			a, err := parseWorker(tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.get(a); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func staleAfter(a *workerArgs) any  { return a.worker.staleAfter }
func tursoTarget(a *workerArgs) any { return a.turso.target() }
func cachePath(a *workerArgs) any   { return a.cachePath() }

// A bad value, in the environment or on the command line, or values that
// do not go together exit 2 naming the flag, before anything is opened.
func TestBadValuesNameTheFlag(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.token")
	if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		command string
		env     map[string]string
		args    []string
		want    string // in the error, or in what the flag package printed
	}{
		{"bad duration in env", "worker", map[string]string{"MEMSYNC_STALE_AFTER": "soon"}, nil, `environment for --stale-after: parse error`},
		{"bad duration on the command line", "worker", nil, []string{"--stale-after", "soon"}, `invalid value "soon" for flag -stale-after`},
		{"bad integer in env", "status", map[string]string{"MEMSYNC_MAX_EPISODES": "many"}, nil, "environment for --max-episodes"},
		{"negative max episodes", "status", nil, []string{"--max-episodes", "-1"}, "--max-episodes -1: must be >= 0"},
		{"log format", "seed", nil, []string{"--log-format", "xml"}, `--log-format "xml": want text or json`},
		{"log format in env", "get", map[string]string{"MEMSYNC_LOG_FORMAT": "xml"}, []string{"episode", "x"}, `--log-format "xml"`},
		{"TLS cert without key", "trigger", nil, []string{"--nats-tls-cert", "c.pem"}, "--nats-tls-cert and --nats-tls-key go together"},
		{"missing Turso token file", "uninstall", nil, []string{"--turso-token-file", filepath.Join(dir, "none")}, "--turso-token-file: open"},
		{"empty serve token file", "search", nil, []string{"q", "--serve-token-file", empty}, "--serve-token-file " + empty + " is empty"},
		{"DLQ limit below 1MiB in env", "changefeed", map[string]string{"MEMSYNC_DLQ_MAX_BYTES": "1KiB"}, nil, "environment for --dlq-max-bytes"},
		{"negative keep-aside", "rebuild", nil, []string{"--keep-aside", "-1"}, `invalid value "-1" for flag -keep-aside`},
		{"profiles without an address", "run", nil, []string{"--pprof"}, "--pprof needs --metrics-addr"},
		{"unknown flag", "status", nil, []string{"--bogus"}, "flag provided but not defined: -bogus"},
		{"unexpected argument", "status", nil, []string{"extra"}, "unexpected arguments: [extra]"},
		{"rebuild source", "rebuild", nil, []string{"--from", "disk"}, `--from "disk": want turso or stream`},
		{"trigger mode", "trigger", nil, []string{"--mode", "everything"}, `trigger mode "everything"`},
		{"seed counts", "seed", nil, []string{"--episodes", "-1"}, "--episodes, --patterns and --embedding-dim must be >= 0"},
		{"search needs a query", "search", nil, nil, "usage: memsync search TEXT"},
		{"search vector", "search", nil, []string{"--vector", "[]"}, "--vector: empty vector"},
		{"get needs kind and id", "get", nil, []string{"episode"}, "usage: memsync get episode|pattern|embedding ID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			out := captureFlagOutput(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := parserOf(t, tc.command)(tc.args)
			if code := codeOf(err); code != exitBadInput {
				t.Fatalf("exit %d (%v), want %d", code, err, exitBadInput)
			}
			if said := fmt.Sprint(err) + out.String(); !strings.Contains(said, tc.want) {
				t.Fatalf("error %q, flag output %q: want %q", fmt.Sprint(err), out.String(), tc.want)
			}
		})
	}
}

func parserOf(t *testing.T, name string) func([]string) (*commandLine, error) {
	t.Helper()
	for _, p := range parsers {
		if p.name == name {
			return p.parse
		}
	}
	t.Fatalf("no command %q", name)
	return nil
}

// A MEMSYNC_ variable of a flag the command does not have is not read.
func TestEnvOfAnotherCommandsFlagIsIgnored(t *testing.T) {
	cleanEnv(t)
	t.Setenv("MEMSYNC_STALE_AFTER", "soon") // a worker flag; seed has none
	if _, err := parseSeed(nil); err != nil {
		t.Fatalf("seed read MEMSYNC_STALE_AFTER: %v", err)
	}
}

// With several bad values, the one reported is the first of: the Turso
// token file, the serve token file, the NATS TLS pair, the log format, the
// cache size, whatever order the command registered its groups in.
func TestChecksReportTheFirstInOneOrder(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.token")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	bad := map[string][]string{
		"turso":       {"--turso-token-file", filepath.Join(dir, "none")},
		"serve":       {"--serve-token-file", empty},
		"nats":        {"--nats-tls-key", "k.pem"},
		"log":         {"--log-format", "xml"},
		"maxEpisodes": {"--max-episodes", "-1"},
	}
	tests := []struct {
		command string
		given   []string
		want    string
	}{
		{"run", []string{"turso", "serve", "nats", "log", "maxEpisodes"}, "--turso-token-file"},
		{"run", []string{"serve", "nats", "log", "maxEpisodes"}, "--serve-token-file"},
		{"worker", []string{"nats", "log", "maxEpisodes"}, "--nats-tls-cert and --nats-tls-key"},
		{"status", []string{"log", "maxEpisodes"}, "--log-format"},
		{"get", []string{"serve", "log"}, "--serve-token-file"},
		{"validate", []string{"turso", "log", "maxEpisodes"}, "--turso-token-file"},
	}
	for _, tc := range tests {
		t.Run(tc.command+" "+strings.Join(tc.given, ","), func(t *testing.T) {
			cleanEnv(t)
			var args []string
			if tc.command == "get" {
				args = []string{"episode", "x"}
			}
			for _, g := range tc.given {
				args = append(args, bad[g]...)
			}
			_, err := parserOf(t, tc.command)(args)
			if codeOf(err) != exitBadInput || !strings.Contains(fmt.Sprint(err), tc.want) {
				t.Fatalf("got %v, want exit 2 naming %s", err, tc.want)
			}
		})
	}
}

// Flags go before, between and after the positional arguments; "--" ends
// the flags.
func TestPositionalArgumentsInterleave(t *testing.T) {
	cleanEnv(t)
	s, err := parseSearch([]string{"--limit", "3", "flaky tests", "--domain", "web-api"})
	if err != nil {
		t.Fatal(err)
	}
	if s.req.Text != "flaky tests" || s.req.Limit != 3 || s.req.Domain != "web-api" {
		t.Fatalf("got text %q limit %d domain %q", s.req.Text, s.req.Limit, s.req.Domain)
	}
	s, err = parseSearch([]string{"--explain", "--", "--not-a-flag"})
	if err != nil || s.req.Text != "--not-a-flag" || !s.req.Explain {
		t.Fatalf("after --: text %q explain %v err %v", s.req.Text, s.req.Explain, err)
	}
	g, err := parseGet([]string{"episode", "--json", "ep-1"})
	if err != nil || !g.asJSON || strings.Join(g.args, " ") != "episode ep-1" {
		t.Fatalf("get: args %q json %v err %v", g.args, g.asJSON, err)
	}
	if _, err := parseGet([]string{"episode", "ep-1", "ep-2"}); codeOf(err) != exitBadInput || !strings.Contains(err.Error(), "[ep-2]") {
		t.Fatalf("a third argument: %v, want exit 2 naming it", err)
	}
	if _, err := parseStatus([]string{"-h"}); !errors.Is(err, errHelp) {
		t.Fatalf("-h: %v", err)
	}
}
