package cachestore

import (
	"fmt"
	"testing"
)

// Apply throughput with and without the tombstone collector (and, with it,
// the horizon forgetting live entries beyond window+reserve), on the growth
// schedule (10% and 90% deletes over 10k episodes, window 1000, batches of
// 256 with checkpoints):
//
//	go test ./cachestore -run XXX -bench ApplyCollector -benchtime 3x -count 3
func BenchmarkApplyCollector(b *testing.B) {
	for _, pct := range []int{10, 90} {
		for _, budget := range []int{-1, 0} {
			b.Run(fmt.Sprintf("deletes=%d%%/budget=%d", pct, budget), func(b *testing.B) {
				r := growthRun{upserts: 100_000, episodes: 10_000, deletePct: pct, window: 1000, batch: 256}
				changes := r.upserts + r.upserts*pct/100
				for range b.N {
					s, err := Open(b.TempDir(), &Options{MaxEpisodes: r.window, GCBudget: budget})
					if err != nil {
						b.Fatal(err)
					}
					r.apply(b, s, &scanningLog{latestLog: latestLog{}})
					if err := s.Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(changes*b.N)/b.Elapsed().Seconds(), "changes/s")
			})
		}
	}
}
