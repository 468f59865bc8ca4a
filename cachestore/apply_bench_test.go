package cachestore

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/testenv/cputime"
	"github.com/memsync/memsync/protocol"
)

// Apply alone (no stream, no decode of envelopes), on the shape of the
// cold sync and of the steady stream of internal/speedtest: episodes of
// ~2 KB newest first, then one 384-d embedding of each (the bootstrap's
// capture order, change ids in that order), in batches of 256 with a
// checkpoint every other batch. The source plays the compacted stream.
// Reported: the process CPU (Pebble's background work included) and the
// wall time per change.
//
//	MEMSYNC_BENCH_EPISODES=20000 go test ./cachestore -run XXX -bench 'Apply(ColdSync|Steady)' -benchtime 1x -count 2
func BenchmarkApplyColdSync(b *testing.B) {
	n := envInt(b, "MEMSYNC_BENCH_EPISODES", 5000)
	for _, window := range []int{0, DefaultMaxEpisodes} {
		b.Run(fmt.Sprint("window=", window), func(b *testing.B) {
			changes := coldSyncChanges(n, rand.New(rand.NewPCG(1, 2)))
			var cpu time.Duration
			for range b.N {
				s, err := Open(b.TempDir(), &Options{MaxEpisodes: window})
				mustDo(b, err)
				src := streamOf(changes)
				cpu0 := cputime.Used()
				applyBatches(b, s, src, changes, 0)
				cpu += cputime.Used() - cpu0
				mustDo(b, s.Close())
			}
			reportPerChange(b, cpu, len(changes)*b.N)
		})
	}
}

// BenchmarkApplySteady: b.N single-episode batches (a new most recent
// episode with its embedding, each with a checkpoint) into a default
// window right after a cold sync of MEMSYNC_BENCH_EPISODES (the sync is
// not timed; the horizon's forgetting after it is).
func BenchmarkApplySteady(b *testing.B) {
	n := envInt(b, "MEMSYNC_BENCH_EPISODES", 5000)
	r := rand.New(rand.NewPCG(3, 4))
	changes := coldSyncChanges(n, r)
	s, err := Open(b.TempDir(), DefaultOptions())
	mustDo(b, err)
	defer s.Close()
	src := streamOf(changes)
	applyBatches(b, s, src, changes, 0)
	v, start := uint64(2*n), int64(n)
	b.ResetTimer()
	cpu0 := cputime.Used()
	for i := range b.N {
		ep, emb := benchPair(r, v+1, start+int64(i)+1)
		v += 2
		src.record(ep)
		src.record(emb)
		_, err := s.Apply(b.Context(), Batch{Changes: []Change{ep, emb}, Checkpoint: v, Position: v}, src)
		mustDo(b, err)
	}
	cpu := cputime.Used() - cpu0
	b.StopTimer()
	reportPerChange(b, cpu, 2*b.N)
}

func reportPerChange(b *testing.B, cpu time.Duration, changes int) {
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(cpu.Microseconds())/float64(changes), "cpu-µs/change")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(changes), "wall-µs/change")
}

func streamOf(changes []Change) *scanningLog {
	src := &scanningLog{latestLog: latestLog{}}
	for _, c := range changes {
		src.record(c)
	}
	return src
}

// applyBatches applies changes in batches of 256, a checkpoint (the
// highest version so far) every other batch.
func applyBatches(b *testing.B, s *Store, src BodySource, changes []Change, pos uint64) {
	b.Helper()
	for i := 0; i < len(changes); i += 256 {
		batch := Batch{Changes: changes[i:min(i+256, len(changes))], Position: pos + uint64(i) + 1}
		if (i/256)%2 == 1 || i+256 >= len(changes) {
			batch.Checkpoint = batch.Changes[len(batch.Changes)-1].Version
		}
		if _, err := s.Apply(b.Context(), batch, src); err != nil {
			b.Fatal(err)
		}
	}
}

// coldSyncChanges: n episodes newest first (versions 1..n), then their
// embeddings (n+1..2n), as the bootstrap captures them.
func coldSyncChanges(n int, r *rand.Rand) []Change {
	eps, embs := make([]Change, n), make([]Change, n)
	for i := range n {
		eps[i], embs[i] = benchPair(r, uint64(i+1), int64(n-i))
		embs[i].Version = uint64(n + i + 1)
	}
	return append(eps, embs...)
}

// benchPair: an episode (version v) that lists its embedding (v+1).
func benchPair(r *rand.Rand, v uint64, start int64) (ep, emb Change) {
	id := fmt.Sprintf("ep-%08x-%04x", r.Uint32(), r.Uint32()&0xffff)
	embID := fmt.Sprintf("emb-%08x-%04x", r.Uint32(), r.Uint32()&0xffff)
	words := make([]string, 250)
	for i := range words {
		words[i] = fmt.Sprint("w", r.IntN(5000))
	}
	d, _ := json.Marshal(protocol.Episode{EpisodeID: id, StartTime: start, TaskDescription: strings.Join(words, " ")})
	ep = Change{Entity: protocol.EntityEpisode, Op: protocol.OpUpsert, ID: id, Version: v, Data: d,
		Embeddings: []string{embID}, Listed: true}
	vec := make([]float32, 384)
	for i := range vec {
		vec[i] = float32(r.NormFloat64() / 8)
	}
	d, _ = json.Marshal(protocol.Embedding{EmbeddingID: embID, ItemID: id, ItemType: string(protocol.EntityEpisode),
		Dimension: len(vec), DType: protocol.DTypeF32LE, Vector: protocol.EncodeVector(vec)})
	emb = Change{Entity: protocol.EntityEmbedding, Op: protocol.OpUpsert, ID: embID, Version: v + 1, Data: d}
	return ep, emb
}
