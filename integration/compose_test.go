package integration

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v2"
)

// compose is the part of docker-compose.yml the test reads.
type compose struct {
	Services map[string]struct {
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
	} `yaml:"services"`
}

// envFlag maps the conventional variables to their flags.
var envFlag = map[string]string{"NATS_URL": "nats", "NATS_USER": "nats-user", "NATS_PASSWORD": "nats-password",
	"NATS_TOKEN": "nats-token", "NATS_CREDS": "nats-creds", "NATS_NKEY": "nats-nkey",
	"TURSO_DATABASE_URL": "turso", "TURSO_AUTH_TOKEN": "turso-token"}

// Docker cannot run here, so this checks docker-compose.yml against the
// binary: every command and flag it uses exists, every environment
// variable a memsync service gets is one it reads, and the NATS config's
// password variables are provided to the NATS nodes.
func TestComposeFileMatchesBinary(t *testing.T) {
	raw, err := os.ReadFile("../docker-compose.yml")
	mustDo(t, err)
	var c compose
	mustDo(t, yaml.Unmarshal(raw, &c))
	if len(c.Services) != 6 {
		t.Fatalf("%d services, want 3 NATS nodes, a changefeed and two workers", len(c.Services))
	}
	conf, err := os.ReadFile("../deploy/nats.conf")
	mustDo(t, err)
	confVars := regexp.MustCompile(`\$(MEMSYNC_[A-Z_]+)`).FindAllStringSubmatch(string(conf), -1)
	kinds := map[string]int{}
	for name, svc := range c.Services {
		if len(svc.Command) == 0 {
			t.Fatalf("service %s has no command", name)
		}
		sub := svc.Command[0]
		kinds[sub]++
		flags := commandFlags(t, sub)
		for _, arg := range svc.Command[1:] {
			f := strings.TrimPrefix(strings.SplitN(arg, "=", 2)[0], "--")
			if !flags[f] {
				t.Errorf("service %s: `memsync %s` has no flag --%s", name, sub, f)
			}
		}
		for k := range svc.Environment {
			if sub == "nats" && strings.HasPrefix(k, "MEMSYNC_") {
				continue // substituted into nats.conf, checked below
			}
			f, ok := envFlag[k]
			if !ok {
				f = strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(k, "MEMSYNC_"), "_", "-"))
			}
			if !flags[f] {
				t.Errorf("service %s: `memsync %s` does not read %s", name, sub, k)
			}
		}
		if sub == "nats" {
			for _, v := range confVars {
				if _, ok := svc.Environment[v[1]]; !ok {
					t.Errorf("service %s does not provide %s used by nats.conf", name, v[1])
				}
			}
		}
	}
	if kinds["nats"] != 3 || kinds["changefeed"] != 1 || kinds["worker"] != 2 {
		t.Fatalf("topology: %v", kinds)
	}
	if !strings.Contains(string(raw), "--replicas=3") {
		t.Fatal("the stream is not replicated across the three nodes")
	}
}

// commandFlags lists the flags `memsync <sub> -h` documents.
func commandFlags(t *testing.T, sub string) map[string]bool {
	t.Helper()
	r := memsync(t, nil, sub, "-h")
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+-([a-z][a-z0-9-]*)`).FindAllStringSubmatch(r.stderr, -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		t.Fatalf("memsync %s -h listed no flags: %s", sub, r.stderr)
	}
	return flags
}
