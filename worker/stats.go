package worker

import (
	"sync/atomic"
	"time"

	"github.com/memsync/memsync/cachestore"
)

type stats struct {
	received    atomic.Uint64
	applied     atomic.Uint64
	skipped     atomic.Uint64
	backfilled  atomic.Uint64
	forgotten   atomic.Uint64
	recalled    atomic.Uint64
	batches     atomic.Uint64
	deadLetters atomic.Uint64
	lastBatchNs atomic.Int64
}

func (s *stats) record(n int, st cachestore.ApplyStats, _ cachestore.Batch, took time.Duration) {
	s.received.Add(uint64(n))
	s.applied.Add(uint64(st.Applied))
	s.skipped.Add(uint64(st.Skipped))
	s.backfilled.Add(uint64(st.Backfilled))
	s.forgotten.Add(uint64(st.Forgotten))
	s.recalled.Add(uint64(st.Recalled))
	s.batches.Add(1)
	s.lastBatchNs.Store(int64(took))
}

// Stats is a snapshot of the worker's counters since it started.
type Stats struct {
	Received    uint64    `json:"received"`
	Applied     uint64    `json:"applied"`
	Skipped     uint64    `json:"skipped"`
	Backfilled  uint64    `json:"backfilled"`
	Forgotten   uint64    `json:"forgotten"` // catalog entries far outside the window
	Recalled    uint64    `json:"recalled"`  // forgotten episodes found again in the stream
	Batches     uint64    `json:"batches"`
	DeadLetters uint64    `json:"dead_letters"`
	OutageSince time.Time `json:"outage_since,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

// Stats returns the counters.
func (w *Worker) Stats() Stats {
	since, last := w.outage.State()
	return Stats{
		Received: w.stats.received.Load(), Applied: w.stats.applied.Load(), Skipped: w.stats.skipped.Load(),
		Backfilled: w.stats.backfilled.Load(), Batches: w.stats.batches.Load(),
		Forgotten: w.stats.forgotten.Load(), Recalled: w.stats.recalled.Load(),
		DeadLetters: w.stats.deadLetters.Load(), OutageSince: since, LastError: last,
	}
}
