package main

import (
	"io"
	"log/slog"
	"os"

	"github.com/lmittmann/tint"
	"golang.org/x/term"
)

// logger builds slog: tint on a terminal, JSON with --log-format json, plain
// text otherwise.
func (c *common) logger() *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.logLevel))
	var w io.Writer = os.Stderr
	var h slog.Handler
	switch {
	case c.logFormat == "json":
		h = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl})
	case isTerminal(os.Stderr):
		h = tint.NewHandler(w, &tint.Options{Level: lvl, TimeFormat: "15:04:05.000"})
	default:
		h = slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl})
	}
	l := slog.New(h)
	slog.SetDefault(l)
	return l
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
