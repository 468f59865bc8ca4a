package changefeed

import (
	"sync/atomic"
	"time"
)

type stats struct {
	published   atomic.Uint64
	fenced      atomic.Uint64
	batches     atomic.Uint64
	deadLetters atomic.Uint64
	dlqLost     atomic.Uint64
	pruned      atomic.Uint64
	cursor      atomic.Uint64
	head        atomic.Uint64
	lastBatchNs atomic.Int64
	lastPublish atomic.Int64
}

func (s *stats) record(published int, cursor uint64, took time.Duration) {
	s.published.Add(uint64(published))
	s.batches.Add(1)
	s.cursor.Store(cursor)
	s.lastBatchNs.Store(int64(took))
	s.lastPublish.Store(time.Now().UnixMilli())
}

// Stats is a snapshot of the changefeed's counters.
type Stats struct {
	Published   uint64 `json:"published"`
	Batches     uint64 `json:"batches"`
	Fenced      uint64 `json:"fenced"`
	DeadLetters uint64 `json:"dead_letters"`
	// DeadLettersLost counts rows skipped because even their dead letter
	// was refused (each is logged with its entity id).
	DeadLettersLost uint64    `json:"dead_letters_lost"`
	Pruned          uint64    `json:"pruned"`
	Cursor          uint64    `json:"cursor"`
	Head            uint64    `json:"head"`
	LastPublish     int64     `json:"last_publish_ms"`
	OutageSince     time.Time `json:"outage_since,omitzero"`
	LastError       string    `json:"last_error,omitempty"`
}

// Stats returns the current counters.
func (c *Changefeed) Stats() Stats {
	since, last := c.outage.State()
	return Stats{
		Published: c.stats.published.Load(), Batches: c.stats.batches.Load(), Fenced: c.stats.fenced.Load(),
		DeadLetters: c.stats.deadLetters.Load(), DeadLettersLost: c.stats.dlqLost.Load(), Pruned: c.stats.pruned.Load(),
		Cursor: c.stats.cursor.Load(), Head: c.stats.head.Load(),
		LastPublish: c.stats.lastPublish.Load(), OutageSince: since, LastError: last,
	}
}
