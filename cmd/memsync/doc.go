// Command memsync keeps AI-agent memories synchronised from Turso/libSQL
// into local Pebble caches through NATS JetStream. See README.md.
//
// This package owns the command line and nothing below it: it is the only
// package that reads flags, the environment and signals (archtest), and it
// turns them into the components' options (cachestore.Options,
// changefeed.Options, worker.Options, the supervisor's configuration).
//
// Lifecycle of a command: main looks the command up (main.go), the command
// builds its commandLine (commandline.go) from the flag groups it uses
// (flags_*.go, serve.go, reader.go, logging.go, flags.go), parses it — the
// environment first, MEMSYNC_<FLAG> for every flag (and the conventional
// TURSO_*/NATS_* names), then the command line, then the groups' checks —
// and runs until it is done or its context (SIGINT, SIGTERM) is cancelled.
//
// Invariants:
//   - a flag given on the command line beats its environment variable,
//     which beats the default; a bad value, on either, names the flag and
//     exits 2 (exitBadInput) before anything is opened or connected;
//   - exit codes (errors.go): 0 done, 1 a runtime failure or a negative
//     answer (not cached, not consistent, refused), 2 bad input, a usage
//     error, or an error the command classifies as such (no cache);
//   - secrets (--turso-token, --serve-token, --nats-password, --nats-token)
//     are never logged; the *-token-file flags keep them off the command line.
package main
