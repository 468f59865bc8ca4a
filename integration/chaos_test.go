package integration

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/internal/turso"
)

// proc is a real memsync process that the chaos test kills with SIGKILL.
type proc struct {
	t       *testing.T
	args    []string
	env     []string
	cmd     *exec.Cmd
	mu      sync.Mutex
	skipped int // redelivered messages the worker reported as no-ops
	batches int
	lines   []string // non-batch log lines, for failure reports
	wg      sync.WaitGroup
}

func (p *proc) start() {
	p.t.Helper()
	p.cmd = exec.Command(memsyncBin, p.args...)
	p.cmd.Env = append(cleanEnv(), p.env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.wg.Add(1)
	go p.readLogs(stderr)
}

// readLogs sums the worker's per-batch debug lines.
func (p *proc) readLogs(r io.Reader) {
	defer p.wg.Done()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg     string `json:"msg"`
			Skipped int    `json:"skipped"`
		}
		p.mu.Lock()
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "batch applied" {
			p.skipped += line.Skipped
			p.batches++
		} else {
			p.lines = append(p.lines, sc.Text())
		}
		p.mu.Unlock()
	}
}

// lastLine is the last line the process wrote to stderr that was not a
// batch line: its exit error, when it ended on its own.
func (p *proc) lastLine() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.lines) == 0 {
		return ""
	}
	return p.lines[len(p.lines)-1]
}

func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
	p.wg.Wait()
}

func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		p.t.Errorf("%v exited with %v on SIGTERM", p.args[0], err)
	}
	p.wg.Wait()
}

func chaosKills() int {
	if v, err := strconv.Atoi(os.Getenv("MEMSYNC_CHAOS_KILLS")); err == nil && v > 0 {
		return v
	}
	return 20
}

// kill -9 chaos: the real changefeed and worker processes run while agents
// keep writing to Turso; each is killed with SIGKILL at random moments and
// restarted (MEMSYNC_CHAOS_KILLS times each, default 20). At the end the
// cache validates consistent (no acknowledged change missing, nothing stale
// or diverged) and the worker re-applied at most one batch per kill.
func TestChaosKill9(t *testing.T) {
	kills := chaosKills()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "memory.db")
	n := testenv.StartNATS(t)
	_, js := n.Connect(t)
	db := testenv.TursoAt(t, dbPath)
	if err := seed.Seed(t.Context(), db.SQL(), seed.Options{Episodes: 200, Patterns: 5, EmbeddingDim: 16, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	const batch = 32
	cf := &proc{t: t, args: []string{"changefeed", "--data-dir=" + dir, "--nats=" + n.ClientURL(), "--poll-interval=10ms",
		"--publish-batch=50", "--prune-delay=1s", "--log-format=json"}}
	wk := &proc{t: t, args: []string{"worker", "--data-dir=" + dir, "--nats=" + n.ClientURL(), "--max-episodes=25",
		"--batch-size=" + strconv.Itoa(batch), "--log-format=json", "--log-level=debug"}}
	cf.start()
	wk.start()
	stopWriting := startChaosWriter(t, db)
	seedV := cmp.Or(*modelSeed, freshSeed())
	t.Logf("chaos schedule seed %d (replay the kill times: go test ./integration -run ChaosKill9 -seed %d)", seedV, seedV)
	r := rand.New(rand.NewPCG(seedV, 9))
	for i := 0; i < 2*kills; i++ {
		time.Sleep(time.Duration(30+r.IntN(250)) * time.Millisecond)
		p := cf
		if i%2 == 1 {
			p = wk
		}
		p.kill()
		p.start()
	}
	written := stopWriting()
	waitConsumerDone(t, js, db)
	cf.stop()
	wk.stop()
	out := memsync(t, nil, "validate", "--data-dir="+dir, "--max-episodes=25", "--json")
	if out.code != 0 {
		t.Fatalf("after %d kills each, validate exit %d: %s", kills, out.code, out.stdout)
	}
	wk.mu.Lock()
	defer wk.mu.Unlock()
	t.Logf("%d kills each; %d agent writes; worker applied %d batches, %d redelivered messages", kills, written, wk.batches, wk.skipped)
	if wk.skipped > kills*batch {
		t.Fatalf("worker re-applied %d messages over %d kills: more than one batch per kill", wk.skipped, kills)
	}
	if wk.batches == 0 || written == 0 {
		t.Fatal("the chaos run did no work")
	}
}

// startChaosWriter keeps inserting, rewriting and deleting memories until
// the returned stop function is called; it returns how many writes it made.
func startChaosWriter(t *testing.T, db *turso.DB) func() int {
	w := newWriter(t, db, 99, 16)
	done := make(chan struct{})
	count := make(chan int, 1)
	go func() {
		n := 0
		var ids []seed.Episode
		for {
			select {
			case <-done:
				count <- n
				return
			default:
			}
			n++
			switch {
			case n%5 == 0 && len(ids) > 0:
				ep := ids[n%len(ids)]
				ep.Description = fmt.Sprint("rewritten ", n)
				ep.StartTime += int64(n % 7)
				if seed.PutEpisode(context.Background(), db.SQL(), ep) != nil {
					n--
				}
			case n%11 == 0 && len(ids) > 0:
				_ = seed.Delete(context.Background(), db.SQL(), "episodes", ids[0].ID)
				ids = ids[1:]
			default:
				ep := w.g.Episode(0, nil)
				ep.StartTime = w.g.Base + int64(n)
				if seed.PutEpisode(context.Background(), db.SQL(), ep) == nil {
					ids = append(ids, ep)
					_ = seed.PutEmbedding(context.Background(), db.SQL(), w.g.Embedding("episode", ep.ID))
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return func() int { close(done); return <-count }
}

// logs returns the process's non-batch log lines so far.
func (p *proc) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}
