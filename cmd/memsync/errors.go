package main

import (
	"errors"
	"fmt"
	"os"
)

// errHelp reports that -h printed the command's flags (exit 0).
var errHelp = errors.New("memsync: help shown")

// Exit codes other than 0.
const (
	// exitFailure is a runtime error, or a negative answer: not cached,
	// nothing matched, not consistent, refused, a trigger reply not ok.
	exitFailure = 1
	// exitBadInput is bad input or a usage error, and the errors a command
	// documents as 2: no cache to read, validate's errors, nobody replied
	// to a trigger.
	exitBadInput = 2
)

// exitError carries a specific exit code; a nil err prints nothing.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// usageError is a usage error or bad input: exit 2.
func usageError(err error) error { return &exitError{exitBadInput, err} }

// exitCode reports err (when it says something) on stderr and returns the
// exit code of command name's result.
func exitCode(name string, err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ee.err != nil {
			fmt.Fprintf(os.Stderr, "memsync %s: %v\n", name, ee.err)
		}
		return ee.code
	case errors.Is(err, errHelp):
		return 0
	}
	fmt.Fprintf(os.Stderr, "memsync %s: %v\n", name, err)
	return exitFailure
}
