package integration

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/ops"
	"github.com/memsync/memsync/internal/supervisor"
	"github.com/memsync/memsync/protocol"
)

// The operator path: a changefeed and two supervised workers listen on
// sync.trigger; `memsync trigger` asks all workers to validate and reads
// both replies, rebuilds one worker by name, and pokes the changefeed.
func TestTriggerFromCLI(t *testing.T) {
	e, w := newEnvWriter(t, 81, 4)
	w.episodes(10)
	cf := e.changefeed(fast())
	nc := e.js.Conn()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	run := func(f func(context.Context) error) { wg.Add(1); go func() { defer wg.Done(); _ = f(ctx) }() }
	run(cf.Run)
	run(ops.NewResponder(nc, cf.HandleTrigger, &ops.ResponderOptions{Name: "changefeed", Logger: quiet()}).Run)
	base := t.TempDir()
	for _, name := range []string{"w1", "w2"} {
		cfg := e.rebuildConfig(filepath.Join(base, name), cachestore.Options{MaxEpisodes: 5})
		cfg.Worker.Name = name
		run(func(ctx context.Context) error {
			return supervisor.Supervise(ctx, &supervisor.Options{Config: cfg}, nil)
		})
	}
	defer func() { cancel(); wg.Wait() }()
	natsFlag := "--nats=" + e.nats.ClientURL()
	eventually(t, 20*time.Second, "both workers consistent", func() bool {
		out := memsync(t, nil, "trigger", natsFlag, "--mode=validate", "--expect=2", "--timeout=5s")
		return out.code == 0 && strings.Count(out.stdout, `"consistent":true`) == 2
	})
	out := memsync(t, nil, "trigger", natsFlag, "--mode=rebuild", "--target=w1", "--expect=1").want(t, 0)
	var rep protocol.TriggerReply
	mustJSON(t, strings.TrimSpace(out.stdout), &rep)
	if rep.From != "w1" || !rep.OK {
		t.Fatalf("rebuild reply: %s", out.stdout)
	}
	if a, _ := filepath.Glob(filepath.Join(base, "w1.aside-*requested*")); len(a) != 1 {
		t.Fatalf("w1 not rebuilt: %v", a)
	}
	if a, _ := filepath.Glob(filepath.Join(base, "w2.aside-*")); len(a) != 0 {
		t.Fatalf("w2 rebuilt although not targeted: %v", a)
	}
	out = memsync(t, nil, "trigger", natsFlag, "--mode=incremental", "--target=changefeed", "--expect=1").want(t, 0)
	var cfRep struct {
		From   string          `json:"from"`
		Result json.RawMessage `json:"result"`
	}
	mustJSON(t, strings.TrimSpace(out.stdout), &cfRep)
	if cfRep.From != "changefeed" || !strings.Contains(string(cfRep.Result), `"cursor"`) {
		t.Fatalf("changefeed reply: %s", out.stdout)
	}
	memsync(t, nil, "trigger", natsFlag, "--mode=validate", "--target=nobody", "--timeout=300ms").want(t, 2)
	memsync(t, nil, "trigger", natsFlag, "--mode=explode").want(t, 2)
}

// `memsync status --nats URL --worker NAME --json` answers from the running
// worker (which holds its cache) through its micro service endpoint.
func TestLiveStatus(t *testing.T) {
	e, w := newEnvWriter(t, 82, 4)
	w.episodes(6)
	cf := e.changefeed(fast())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = cf.Run(ctx) }()
	cfg := e.rebuildConfig(filepath.Join(t.TempDir(), "live"), cachestore.Options{MaxEpisodes: 4})
	cfg.Worker.Name = "laptop-1"
	go func() { defer wg.Done(); _ = supervisor.Supervise(ctx, &supervisor.Options{Config: cfg}, nil) }()
	defer func() { cancel(); wg.Wait() }()
	natsFlag := "--nats=" + e.nats.ClientURL()
	var st map[string]any
	eventually(t, 20*time.Second, "live status of a caught-up worker", func() bool {
		out := memsync(t, nil, "status", natsFlag, "--worker=laptop-1", "--json")
		if out.code != 0 || json.Unmarshal([]byte(out.stdout), &st) != nil {
			return false
		}
		return st["running"] == true && st["applied_version"].(float64) == 12 && st["stale"] == false
	})
	for _, k := range []string{"worker", "applied_version", "turso_head_version", "lag", "stale", "last_sync", "last_error", "counts"} {
		if _, ok := st[k]; !ok {
			t.Fatalf("live status lacks %q: %v", k, st)
		}
	}
	if st["counts"].(map[string]any)["episodes"].(float64) != 4 {
		t.Fatalf("live counts: %v", st["counts"])
	}
}
