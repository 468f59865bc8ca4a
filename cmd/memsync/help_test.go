package main

import (
	"errors"
	"flag"
	"os"
	"strings"
	"testing"
)

// -update rewrites testdata/help.golden from the parsers: for a deliberate
// change of a flag, reviewed in the diff.
var updateHelp = flag.Bool("update", false, "rewrite testdata/help.golden")

// Every command's -h is the CLI contract: the flags it accepts, their
// defaults, env names (in the help of the conventional ones) and help
// text. testdata/help.golden was first the output of the binary before the
// flags were grouped (issue 11); a change to a flag shows here first, and
// `go test -run TestHelpIsUnchanged -update` records a deliberate one.
func TestHelpIsUnchanged(t *testing.T) {
	cleanEnv(t)
	if *updateHelp {
		writeHelpGolden(t)
	}
	golden, err := os.ReadFile("testdata/help.golden")
	if err != nil {
		t.Fatal(err)
	}
	want := helpSections(string(golden))
	if len(want) != len(parsers) {
		t.Fatalf("golden has %d commands, the test knows %d", len(want), len(parsers))
	}
	for _, p := range parsers {
		t.Run(p.name, func(t *testing.T) {
			out := captureFlagOutput(t)
			if _, err := p.parse([]string{"-h"}); !errors.Is(err, errHelp) {
				t.Fatalf("-h: %v, want errHelp (exit 0)", err)
			}
			if got := out.String(); got != want[p.name] {
				t.Errorf("-h differs from testdata/help.golden\ngot:\n%s\nwant:\n%s", got, want[p.name])
			}
		})
	}
}

// helpSections splits the golden file at its "== <command>" lines.
func helpSections(s string) map[string]string {
	out := map[string]string{}
	for _, sec := range strings.Split(s, "== ")[1:] {
		name, body, _ := strings.Cut(sec, "\n")
		out[name] = body
	}
	return out
}

func writeHelpGolden(t *testing.T) {
	var b strings.Builder
	for _, p := range parsers {
		out := captureFlagOutput(t)
		p.parse([]string{"-h"})
		b.WriteString("== " + p.name + "\n" + out.String())
	}
	if err := os.WriteFile("testdata/help.golden", []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUsageHasNoBackquotes: the flag package takes the first `quoted`
// word of a usage string as the flag's value name, so a backquoted command
// in a help text turns an on/off flag into "-pprof go tool pprof" in -h.
func TestUsageHasNoBackquotes(t *testing.T) {
	cleanEnv(t)
	for _, p := range parsers {
		cl, err := p.parse(nil)
		if cl == nil {
			t.Fatalf("%s: no command line (%v)", p.name, err)
		}
		cl.fs.VisitAll(func(f *flag.Flag) {
			if strings.Contains(f.Usage, "`") {
				t.Errorf("memsync %s --%s: usage %q has a backquote", p.name, f.Name, f.Usage)
			}
		})
	}
}
