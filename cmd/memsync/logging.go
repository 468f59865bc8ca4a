package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/lmittmann/tint"
	"golang.org/x/term"
)

// logFlags are --log-format and --log-level, which every command has.
type logFlags struct {
	format string
	level  string
}

func (l *logFlags) register(cl *commandLine) {
	cl.fs.StringVar(&l.format, "log-format", "text", "log format: text or json")
	cl.fs.StringVar(&l.level, "log-level", "info", "log level: debug, info, warn, error")
}

func (l *logFlags) check() error {
	if l.format != "text" && l.format != "json" {
		return fmt.Errorf("--log-format %q: want text or json", l.format)
	}
	return nil
}

// logger builds slog: tint on a terminal, JSON with --log-format json, plain
// text otherwise.
func (l *logFlags) logger() *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(l.level))
	var w io.Writer = os.Stderr
	var h slog.Handler
	switch {
	case l.format == "json":
		h = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl})
	case isTerminal(os.Stderr):
		h = tint.NewHandler(w, &tint.Options{Level: lvl, TimeFormat: "15:04:05.000"})
	default:
		h = slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl})
	}
	log := slog.New(h)
	slog.SetDefault(log)
	return log
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
