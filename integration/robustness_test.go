package integration

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
)

// The robustness harness (in the spirit of etcd's robustness tests): the
// real changefeed and worker processes run while an agent writes, and a
// randomized schedule of faults hits them. The schedule (which fault, how
// long between faults) comes from one seed that is logged and replays with
// -seed; process timing is real, so a replay re-runs the same schedule, not
// the same interleaving. At the end the cache must validate consistent
// against Turso: nothing lost, nothing stale, nothing resurrected.
//
//	go test ./integration -run Robustness                          # a short schedule (CI)
//	go test ./integration -run Robustness -faults 200 -seed 7      # a long one, replayable
var chaosFaults = flag.Int("faults", 0, "faults in the robustness schedule (0: MEMSYNC_CHAOS_FAULTS or 12)")

// regressions are schedules that once failed; each runs as a named case.
var regressions = []struct {
	seed   uint64
	faults int
}{
	// a Turso rebuild without a checkpoint left the cache lineage-less; it
	// adopted a replaced database's leftovers from the stream (patterns of
	// two databases cached, 106 diverged)
	{7, 200},
}

// chaos is one robustness run: the processes, the database, the NATS server.
type chaos struct {
	t         *testing.T
	dir, path string
	nats      *testenv.NATS
	js        jetstream.JetStream
	db        *turso.DB
	cf, wk    *proc
	stopWrite func() int
	written   int
	lineage   int // database replacements so far
	restores  int // restores of an earlier backup
}

// fault is one kind of damage the harness inflicts.
type fault struct {
	name string
	do   func(c *chaos, r *rand.Rand)
}

var faults = []fault{
	{"kill -9 changefeed", func(c *chaos, _ *rand.Rand) { c.cf.kill(); c.cf.start() }},
	{"kill -9 worker", func(c *chaos, _ *rand.Rand) { c.wk.kill(); c.wk.start() }},
	{"restart NATS", func(c *chaos, _ *rand.Rand) { c.nats.Restart() }},
	{"purge stream", func(c *chaos, _ *rand.Rand) {
		c.streamOp(func(s jetstream.Stream) error { return s.Purge(c.t.Context()) })
	}},
	{"delete stream", func(c *chaos, _ *rand.Rand) { _ = c.js.DeleteStream(c.t.Context(), "MEMSYNC") }},
	{"delete consumer", func(c *chaos, _ *rand.Rand) {
		_ = c.js.DeleteConsumer(c.t.Context(), "MEMSYNC", "memsync-default-default")
	}},
	{"worker lags behind a pruned log and a purge", func(c *chaos, _ *rand.Rand) {
		c.wk.kill()
		time.Sleep(1500 * time.Millisecond) // deletes and rewrites happen; the log prunes (--prune-delay 1s)
		c.streamOp(func(s jetstream.Stream) error { return s.Purge(c.t.Context()) })
		c.wk.start()
	}},
	{"corrupt cache", func(c *chaos, _ *rand.Rand) {
		c.wk.kill()
		dir := filepath.Join(c.dir, "cache", "default")
		if flush(c.t, dir); hasFile(dir, ".sst") {
			corruptions[0].do(c.t, dir)
		} else {
			// the worker had applied nothing yet (a fault early in the
			// schedule): there is no table to corrupt
			c.t.Log("corrupt cache: the cache is still empty, nothing to corrupt")
		}
		c.wk.start()
	}},
	{"replace database", func(c *chaos, r *rand.Rand) { c.replaceDatabase(r.Uint64()) }},
	{"restore database from a backup", func(c *chaos, _ *rand.Rand) { c.restoreOrBackUp() }},
}

// restartStopped restarts a process that stopped for an operator: a worker
// that kept failing after 3 rebuilds in 10 minutes does, by design (no
// rebuild loops), and the operator restarts it. A process that ended for
// any other reason (a rebuild that found the stream deleted once stopped
// the worker: seed 3530047402765097587) fails the run.
func (c *chaos) restartStopped() int {
	n := 0
	for _, p := range []*proc{c.cf, c.wk} {
		if !p.exited() {
			continue
		}
		p.wg.Wait()
		if last := p.lastLine(); !strings.Contains(last, "stopping for an operator") {
			c.t.Fatalf("memsync %s stopped on its own, not for an operator: %s", p.args[0], last)
		}
		p.start()
		n++
	}
	return n
}

// exited reports a process that ended on its own (a zombie not yet waited for).
func (p *proc) exited() bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return true
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) > 0 && f[0] == "Z" {
		_ = p.cmd.Wait()
		return true
	}
	return false
}

func faultCount() int {
	if *chaosFaults > 0 {
		return *chaosFaults
	}
	if v, err := strconv.Atoi(os.Getenv("MEMSYNC_CHAOS_FAULTS")); err == nil && v > 0 {
		return v
	}
	return 12
}

func TestRobustness(t *testing.T) {
	// the regression schedules are long (200 faults, ~1.5 min each, more
	// under -race): they run when a long run is asked for
	long := *chaosFaults > 0 || os.Getenv("MEMSYNC_CHAOS_FAULTS") != ""
	for _, r := range regressions {
		if !long {
			t.Logf("regression schedule seed %d (%d faults) skipped: run with -faults or MEMSYNC_CHAOS_FAULTS", r.seed, r.faults)
			continue
		}
		t.Run(fmt.Sprintf("seed=%d,faults=%d", r.seed, r.faults), func(t *testing.T) { runRobustness(t, r.seed, r.faults) })
	}
	s := *modelSeed
	if s == 0 {
		s = rand.Uint64()
	}
	t.Run("schedule", func(t *testing.T) { runRobustness(t, s, faultCount()) })
}

func runRobustness(t *testing.T, seedV uint64, n int) {
	t.Logf("robustness schedule: seed %d, %d faults (replay: go test ./integration -run Robustness -seed %d -faults %d)", seedV, n, seedV, n)
	c := newChaos(t)
	r := rand.New(rand.NewPCG(seedV, 0x5eed))
	var applied []string
	for range n {
		time.Sleep(time.Duration(50+r.IntN(400)) * time.Millisecond)
		f := faults[r.IntN(len(faults))]
		applied = append(applied, f.name)
		f.do(c, r)
	}
	c.written += c.stopWrite()
	restarted := 0
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d: faults %s\nworker logs:\n%s\nchangefeed logs:\n%s", seedV, strings.Join(applied, ", "), c.wk.logs(), c.cf.logs())
		}
	})
	eventually(t, 60*time.Second, "default to catch up", func() bool {
		restarted += c.restartStopped()
		return workerDone(t, c.js, c.db, "default")
	})
	c.cf.stop()
	c.wk.stop()
	out := memsync(t, nil, "validate", "--data-dir="+c.dir, "--max-episodes=25", "--json")
	if out.code != 0 {
		t.Fatalf("seed %d: after %d faults (%s) validate exit %d:\n%s\nworker logs:\n%s\nchangefeed logs:\n%s",
			seedV, n, strings.Join(applied, ", "), out.code, out.stdout, c.wk.logs(), c.cf.logs())
	}
	t.Logf("seed %d: %d faults, %d database replacements, %d restores, %d agent writes, %d processes restarted after they stopped for an operator; validate consistent",
		seedV, n, c.lineage, c.restores, c.written, restarted)
}

func newChaos(t *testing.T) *chaos {
	dir := t.TempDir()
	c := &chaos{t: t, dir: dir, path: filepath.Join(dir, "memory.db"), nats: testenv.StartNATS(t)}
	_, c.js = c.nats.Connect(t)
	c.db = testenv.TursoAt(t, c.path)
	if err := seed.Seed(t.Context(), c.db.SQL(), seed.Options{Episodes: 100, Patterns: 5, EmbeddingDim: 16, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	url := c.nats.ClientURL()
	c.cf = &proc{t: t, args: []string{"changefeed", "--data-dir=" + dir, "--nats=" + url, "--poll-interval=10ms",
		"--publish-batch=50", "--prune-delay=1s", "--log-format=json"}}
	c.wk = &proc{t: t, args: []string{"worker", "--data-dir=" + dir, "--nats=" + url, "--turso=file:" + c.path, "--max-episodes=25",
		"--batch-size=32", "--validate-every=0", "--log-format=json", "--no-serve"}}
	c.cf.start()
	c.wk.start()
	c.stopWrite = startChaosWriter(t, c.db)
	t.Cleanup(func() {
		for _, p := range []*proc{c.cf, c.wk} {
			if p.cmd.ProcessState == nil {
				p.kill()
			}
		}
	})
	return c
}
