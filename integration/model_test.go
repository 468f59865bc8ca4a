package integration

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/internal/seed"
	"github.com/memsync/memsync/protocol"
	"github.com/memsync/memsync/worker"
)

var modelSeed = flag.Uint64("seed", 0, "replay a randomized test (model, chaos) with this seed (0: the regression seeds and a fresh one)")
var modelSteps = flag.Int("model-steps", 120, "operations per randomized model run")

// Random inserts, INSERT OR REPLACE updates (moving episodes in and out of
// the window), deletes, worker crashes (abrupt stop and reopen),
// redeliveries (the whole stream replayed into an existing cache) and
// rebuilds (a fresh cache from the stream), against a real NATS server and
// libSQL file. At the end the cache must equal what a plain map read from
// Turso implies. Replay with: go test ./integration -run Model -seed=N -v
func TestRandomizedModel(t *testing.T) {
	seeds := []uint64{101, 202, freshSeed()} // regression seeds, then a new one each run
	if *modelSeed != 0 {
		seeds = []uint64{*modelSeed}
	}
	for _, s := range seeds {
		t.Run(fmt.Sprint("seed=", s), func(t *testing.T) {
			t.Logf("seed %d (replay: go test ./integration -run RandomizedModel -seed %d -v)", s, s)
			runIntegrationModel(t, s)
		})
	}
}

type modelRun struct {
	t      *testing.T
	e      *env
	r      *rand.Rand
	w      *writer
	eps    map[string]seed.Episode
	embs   map[string]string // embedding -> owner episode
	opts   cachestore.Options
	c      *cache
	stop   func() error
	events []string
}

func runIntegrationModel(t *testing.T, s uint64) {
	e := newEnv(t)
	m := &modelRun{t: t, e: e, r: rand.New(rand.NewPCG(s, s^7)), w: newWriter(t, e.db, s, 4),
		eps: map[string]seed.Episode{}, embs: map[string]string{}}
	m.opts = cachestore.Options{MaxEpisodes: 3 + m.r.IntN(8)}
	stopCF := inBackground(e.changefeed(changefeed.Options{PollInterval: 5 * time.Millisecond, BatchSize: 1 + m.r.IntN(40)}).Run)
	defer stopCF()
	m.startWorker(filepath.Join(t.TempDir(), "cache"))
	for step := range *modelSteps {
		m.step(step)
	}
	e.waitSynced(m.c)
	m.stop()
	m.c.close(t)
	m.compareWithTurso()
	t.Logf("seed %d: window %d, batch events: %s", s, m.opts.MaxEpisodes, strings.Join(m.events, ","))
}

func (m *modelRun) startWorker(dir string) {
	m.c = m.e.openCache(dir, m.opts, worker.Options{FetchWait: 10 * time.Millisecond, BatchSize: 1 + m.r.IntN(64)})
	m.stop = inBackground(m.c.w.Run)
}

func (m *modelRun) step(i int) {
	if m.r.IntN(8) == 0 {
		time.Sleep(time.Duration(m.r.IntN(8)) * time.Millisecond) // let the pipeline interleave
	}
	switch k := m.r.IntN(100); {
	case k < 35:
		ep := m.w.g.Episode(0, nil)
		ep.StartTime = int64(m.r.IntN(500))
		m.w.put(ep)
		m.eps[ep.ID] = ep
	case k < 55:
		m.update()
	case k < 65:
		if id, ok := m.pick(); ok {
			m.w.del("episodes", id)
			delete(m.eps, id)
		}
	case k < 80:
		if id, ok := m.pick(); ok {
			m.embs[m.w.embed("episode", id).ID] = id
		}
	case k < 86:
		m.deleteEmbedding()
	case k < 91:
		m.crash(i)
	case k < 95:
		m.redeliver(i)
	default:
		m.rebuild(i)
	}
}

func (m *modelRun) pick() (string, bool) {
	if len(m.eps) == 0 {
		return "", false
	}
	ids := make([]string, 0, len(m.eps))
	for id := range m.eps {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids[m.r.IntN(len(ids))], true
}

func (m *modelRun) update() {
	id, ok := m.pick()
	if !ok {
		return
	}
	ep := m.eps[id]
	ep.StartTime = int64(m.r.IntN(500))
	ep.Description = fmt.Sprintf("rewritten %d", m.r.IntN(1000))
	m.w.put(ep)
	m.eps[id] = ep
}

func (m *modelRun) deleteEmbedding() {
	for id := range m.embs {
		m.w.del("embeddings", id)
		delete(m.embs, id)
		return
	}
}

// crash stops the worker abruptly (possibly between commit and ack) and
// reopens the same cache.
func (m *modelRun) crash(i int) {
	m.stop()
	m.c.close(m.t)
	m.events = append(m.events, fmt.Sprint("crash@", i))
	m.startWorker(m.c.dir)
}

// redeliver replays the whole stream into the existing cache.
func (m *modelRun) redeliver(i int) {
	m.stop()
	if err := m.c.store.ResetPosition(); err != nil {
		m.t.Fatal(err)
	}
	m.c.close(m.t)
	m.events = append(m.events, fmt.Sprint("redeliver@", i))
	m.startWorker(m.c.dir)
}

// rebuild replaces the cache with a fresh one built from the stream.
func (m *modelRun) rebuild(i int) {
	m.stop()
	m.c.close(m.t)
	m.events = append(m.events, fmt.Sprint("rebuild@", i))
	s, _ := m.e.js.Stream(m.t.Context(), "MEMSYNC")
	_ = s.DeleteConsumer(m.t.Context(), worker.ConsumerName("default", "default"))
	m.startWorker(filepath.Join(m.t.TempDir(), "rebuilt"))
}

// compareWithTurso builds the expected cache from a plain map read out of
// Turso and compares it with the cache, entity by entity.
func (m *modelRun) compareWithTurso() {
	t := m.t
	type row struct {
		start int64
		desc  string
	}
	truth := map[string]row{}
	rows, err := m.e.db.SQL().QueryContext(t.Context(), `SELECT CAST(episode_id AS BLOB), start_time, CAST(task_description AS BLOB) FROM episodes`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, desc []byte
		var start int64
		if err := rows.Scan(&id, &start, &desc); err != nil {
			t.Fatal(err)
		}
		truth[string(id)] = row{start, string(desc)}
	}
	rows.Close()
	ids := make([]string, 0, len(truth))
	for id := range truth {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		if truth[a].start != truth[b].start {
			return int(truth[b].start - truth[a].start)
		}
		return strings.Compare(a, b)
	})
	want := ids[:min(m.opts.MaxEpisodes, len(ids))]
	c := m.e.openCache(m.c.dir, m.opts, worker.Options{})
	got, err := c.store.WindowIDs()
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("window %v, want %v (%v)", got, want, err)
	}
	for _, id := range want {
		ep, _, err := c.store.Episode(id)
		if err != nil || ep.TaskDescription != truth[id].desc || ep.StartTime != truth[id].start {
			t.Fatalf("episode %s: cache %+v, Turso %+v (%v)", id, ep, truth[id], err)
		}
		m.compareEmbeddings(c, id)
	}
}

func (m *modelRun) compareEmbeddings(c *cache, owner string) {
	var want []string
	rows, err := m.e.db.SQL().QueryContext(m.t.Context(), `SELECT CAST(embedding_id AS BLOB) FROM embeddings WHERE item_id = ? AND item_type = 'episode' ORDER BY embedding_id`, owner)
	if err != nil {
		m.t.Fatal(err)
	}
	for rows.Next() {
		var id []byte
		_ = rows.Scan(&id)
		want = append(want, string(id))
	}
	rows.Close()
	embs, err := c.store.EmbeddingsOf(protocol.EntityEpisode, owner)
	if err != nil {
		m.t.Fatal(err)
	}
	var got []string
	for _, e := range embs {
		got = append(got, e.EmbeddingID)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		m.t.Fatalf("embeddings of %s: cache %v, Turso %v", owner, got, want)
	}
}

// freshSeed is a new seed for a randomized test (never 0, which means
// "not given" to -seed); tests log it so that a failure replays.
func freshSeed() uint64 { return rand.Uint64()%1_000_000_000 + 1 }
