package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// deps lists every package (transitively) imported by pkg.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	var nonStd []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[1] == "false" && f[0] != pkg {
			nonStd = append(nonStd, f[0])
		}
	}
	return nonStd
}

func imports(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

const mod = "github.com/memsync/memsync/"

// The layering rules of the style guide, checked on the real build graph.
func TestImportDirection(t *testing.T) {
	if d := deps(t, mod+"protocol"); len(d) != 0 {
		t.Errorf("protocol must import only the standard library, imports %v", d)
	}
	// retrieval is pure computation over protocol rows: no storage, no network
	if d := deps(t, mod+"internal/retrieval"); len(d) != 1 || d[0] != mod+"protocol" {
		t.Errorf("internal/retrieval must import only the standard library and protocol, imports %v", d)
	}
	rules := []struct {
		pkg        string
		forbidden  []string
		transitive bool
	}{
		{"cachestore", []string{"github.com/nats-io/"}, true},
		{"worker", []string{mod + "changefeed"}, true},
		// supervising a worker sits above rebuilding a cache, which sits
		// above the worker (issue 11): supervisor imports rebuild and worker
		{"worker", []string{mod + "internal/rebuild", mod + "internal/supervisor"}, true},
		{"internal/rebuild", []string{mod + "internal/supervisor", mod + "internal/query"}, true},
		// the read side never needs the network to answer (invariant 7)
		{"internal/query", []string{"github.com/nats-io/", mod + "worker", mod + "changefeed", mod + "internal/turso"}, true},
		{"internal/serve", []string{"github.com/nats-io/", mod + "cachestore", mod + "internal/retrieval"}, false},
		{"internal/serve", []string{"github.com/nats-io/"}, true},
		{"internal/mcpserver", []string{"github.com/nats-io/", mod + "cachestore", mod + "internal/retrieval", mod + "internal/serve"}, false},
		// the speed-of-light benchmark: its _test files may import anything,
		// as integration's do; the package proper (doc, errors) imports
		// nothing of the module or beyond, so no binary links the harness
		{"internal/speedtest", []string{mod, "github.com/", "golang.org/"}, true},
		// process memory figures: the standard library only, so every
		// layer (supervisor, cmd) may report them
		{"internal/memstat", []string{mod, "github.com/", "golang.org/"}, true},
	}
	for _, r := range rules {
		var list []string
		if r.transitive {
			list = deps(t, mod+r.pkg)
		} else {
			list = imports(t, mod+r.pkg)
		}
		for _, d := range list {
			for _, f := range r.forbidden {
				if strings.HasPrefix(d, f) {
					t.Errorf("%s must not import %s (found %s)", r.pkg, f, d)
				}
			}
		}
	}
}

// Only cmd/memsync reads flags, the environment or signals.
func TestOnlyCmdReadsFlagsEnvSignals(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}`, mod+"...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, mod+"cmd/") || strings.HasPrefix(pkg, mod+"internal/testenv") {
			continue
		}
		for _, imp := range imports(t, pkg) {
			if imp == "flag" || imp == "os/signal" {
				t.Errorf("%s imports %s; only cmd/memsync may", pkg, imp)
			}
		}
		src, _ := exec.Command("sh", "-c", "grep -l 'os.Getenv\\|os.LookupEnv\\|os.Environ' $(go list -f '{{.Dir}}' "+pkg+")/*.go 2>/dev/null | grep -v _test.go").Output()
		if s := strings.TrimSpace(string(src)); s != "" {
			t.Errorf("%s reads the environment in %s; only cmd/memsync may", pkg, s)
		}
	}
}

// No context.Context is stored in a struct: contexts travel as arguments.
func TestNoContextInStructs(t *testing.T) {
	out, _ := exec.Command("sh", "-c", `cd ../.. && grep -rnE '^\s+[a-zA-Z_]+\s+context\.Context\s*$' --include=*.go . | grep -v _test.go`).Output()
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("context stored in a struct:\n%s", s)
	}
}

// One way to configure a component: a pointer to an options struct (nil:
// the defaults), filled by its EnsureDefaults where it has defaults, as
// pebble does. Functional options (a `type Option func`, or a constructor
// taking `...Option`) are not used.
func TestOneOptionsConvention(t *testing.T) {
	out, _ := exec.Command("sh", "-c", `cd ../.. && grep -rnE '^type \w*Option func|\.\.\.\w*Option\)' --include=*.go . | grep -v _test.go | grep -v 'jetstream\.\|nats\.\|pebble\.\|mcp\.'`).Output()
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("functional options (configure with *Options instead):\n%s", s)
	}
}
