package mcpserver

import (
	"log/slog"
	"time"
)

// Defaults of Options.
const (
	DefaultName           = "memsync"
	DefaultVersion        = "(devel)"
	DefaultSessionTimeout = 30 * time.Minute
)

// Options configure the server. A nil *Options, and every zero field,
// takes the defaults.
type Options struct {
	Name    string       // implementation name announced to clients ("memsync")
	Version string       // implementation version announced to clients ("(devel)")
	Logger  *slog.Logger // the SDK's and the tools' logs; nil = discard
	// SessionTimeout closes streamable HTTP sessions idle for this long
	// (HTTPHandler only; DefaultSessionTimeout).
	SessionTimeout time.Duration
}

// EnsureDefaults returns a copy of o (nil: the zero Options) with every
// unset field given its default; o itself is not changed.
func (o *Options) EnsureDefaults() *Options {
	var out Options
	if o != nil {
		out = *o
	}
	if out.Name == "" {
		out.Name = DefaultName
	}
	if out.Version == "" {
		out.Version = DefaultVersion
	}
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	if out.SessionTimeout <= 0 {
		out.SessionTimeout = DefaultSessionTimeout
	}
	return &out
}
