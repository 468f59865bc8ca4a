package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every flag of every command reads MEMSYNC_<FLAG>: MEMSYNC_ and the flag's
// name in upper case with '_' for '-' (the name README.md documents).
func TestEveryFlagReadsItsEnvironment(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range parsers {
		args := positional(p.name)
		cleanEnv(t)
		cl, err := p.parse(args)
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		cl.fs.VisitAll(func(f *flag.Flag) {
			t.Run(p.name+"/"+f.Name, func(t *testing.T) {
				value, want := envValue(f, token)
				env := "MEMSYNC_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
				t.Setenv(env, value)
				cl, err := p.parse(args)
				if refusal, ok := refusedAlone[f.Name]; ok { // alone it is refused: proof it was read
					if !strings.Contains(fmt.Sprint(err), refusal) {
						t.Fatalf("%s=%s alone: %v, want it refused with %q", env, value, err, refusal)
					}
					return
				}
				if err != nil {
					t.Fatalf("%s=%s: %v", env, value, err)
				}
				got := cl.fs.Lookup(f.Name).Value.String()
				if got != want || got == f.DefValue {
					t.Fatalf("%s=%s: --%s is %q, want %q (default %q)", env, value, f.Name, got, want, f.DefValue)
				}
			})
		})
	}
}

// refusedAlone are the flags a command refuses without another one, and
// what the refusal says.
var refusedAlone = map[string]string{
	"nats-tls-cert": "go together",
	"nats-tls-key":  "go together",
	"pprof":         "--pprof needs --metrics-addr",
}

func positional(command string) []string {
	switch command {
	case "get":
		return []string{"episode", "ep-1"}
	case "search":
		return []string{"query"}
	}
	return nil
}

// envValue is a valid value for f other than its default, and how the
// flag shows it once set.
func envValue(f *flag.Flag, tokenFile string) (value, shown string) {
	switch f.Name {
	case "turso-token-file", "serve-token-file":
		return tokenFile, tokenFile
	case "log-format":
		return "json", "json"
	case "from":
		return "stream", "stream"
	case "mode":
		if strings.HasPrefix(f.Usage, "incremental") { // trigger's; search's is free text
			return "full", "full"
		}
	case "vector":
		return "[1,2]", "[1,2]"
	case "keep-aside-bytes", "dlq-max-bytes", "memory-limit":
		return "3MiB", "3145728"
	}
	if _, ok := f.Value.(*keepAsideCount); ok {
		return "7", "7"
	}
	switch f.Value.(flag.Getter).Get().(type) {
	case bool:
		return "true", "true"
	case time.Duration:
		return "7s", "7s"
	case int, int64, uint64:
		return "7", "7"
	}
	return "from-env", "from-env"
}
