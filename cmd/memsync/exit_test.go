package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/testenv"
)

// captureStderr collects what is written to os.Stderr during fn.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := os.Stderr
	os.Stderr = f
	fn()
	os.Stderr = old
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// exitCode turns a command's result into the process's exit code and
// says why on stderr, unless the error carries nothing to say.
func TestExitCode(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		code   int
		stderr string
	}{
		{"done", nil, 0, ""},
		{"help shown", errHelp, 0, ""},
		{"runtime error", errors.New("connect to NATS: refused"), 1, "memsync status: connect to NATS: refused\n"},
		{"negative answer, silent", &exitError{exitFailure, nil}, 1, ""},
		{"bad input", usageError(errors.New("--from: bad")), 2, "memsync status: --from: bad\n"},
		{"flag package already said why", usageError(nil), 2, ""},
		{"wrapped exit error", fmt.Errorf("status: %w", &exitError{exitBadInput, errors.New("no cache")}), 2, "memsync status: no cache\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code := 0
			stderr := captureStderr(t, func() { code = exitCode("status", tc.err) })
			if code != tc.code || stderr != tc.stderr {
				t.Fatalf("exit %d, stderr %q; want %d, %q", code, stderr, tc.code, tc.stderr)
			}
		})
	}
}

// The commands' exit codes, run in-process as main runs them: 2 for usage
// errors and bad input (and the errors a command documents as 2), 1 for
// runtime errors and negative answers, 0 done.
func TestCommandExitCodes(t *testing.T) {
	cleanEnv(t)
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	emptyCache := filepath.Join(dir, "with-cache")
	store, err := cachestore.Open(filepath.Join(emptyCache, "cache", "default"), &cachestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	noCache := filepath.Join(dir, "none")
	natsURL := testenv.StartNATS(t).ClientURL()
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // in stderr
	}{
		{"no command", nil, 2, "usage: memsync <command>"},
		{"help", []string{"help"}, 0, "commands:"},
		{"-h", []string{"-h"}, 0, "commands:"},
		{"unknown command", []string{"bogus"}, 2, `unknown command "bogus"`},
		{"command -h", []string{"status", "-h"}, 0, ""},
		{"unknown flag", []string{"status", "--bogus"}, 2, ""},
		{"missing subcommand", []string{"dlq"}, 2, "usage: memsync dlq list|retry"},
		{"bad subcommand", []string{"consumer", "stop"}, 2, "usage: memsync consumer pause|resume"},
		{"no cache to read", []string{"recent", "--data-dir", noCache}, 2, "no cache at"},
		{"nothing cached", []string{"recent", "--data-dir", emptyCache}, 1, ""},
		{"not cached", []string{"get", "episode", "ep-1", "--data-dir", emptyCache}, 1, "not in the cache"},
		{"no cache to validate", []string{"validate", "--data-dir", noCache}, 2, "no cache at"},
		{"no database to uninstall", []string{"uninstall", "--data-dir", noCache}, 2, "no database at"},
		{"no NATS to trigger", []string{"trigger", "--data-dir", noCache}, 2, "--nats (or NATS_URL) is required"},
		{"runtime error", []string{"seed", "--turso", "file:" + filepath.Join(notADir, "m.db")}, 1, "not a directory"},
		{"seeded", []string{"seed", "--turso", "file:" + filepath.Join(dir, "s.db"), "--episodes", "3", "--patterns", "1", "--embedding-dim", "0"}, 0, ""},
		{"no stream to pause on", []string{"consumer", "pause", "--nats", natsURL}, 1, "stream not found"},
		{"no dead letters", []string{"dlq", "list", "--nats", natsURL}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			captureFlagOutput(t)
			code := 0
			stderr := captureStderr(t, func() { code = runCommand(tc.args) })
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("memsync %v: exit %d, stderr %q; want %d with %q", tc.args, code, stderr, tc.code, tc.stderr)
			}
		})
	}
}
