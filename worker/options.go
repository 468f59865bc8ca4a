package worker

import (
	"cmp"
	"fmt"
	"log/slog"
	"time"

	"github.com/memsync/memsync/protocol"
)

// Options configure a Worker.
type Options struct {
	Name      string // worker identity (default "default")
	DBName    string // <db> subject token (default "default")
	Stream    string // stream name (default "MEMSYNC")
	DLQStream string // dead-letter stream (default "MEMSYNC_DLQ")
	BatchSize int    // messages per fetch and Pebble batch (default 256)
	// FetchWait is the longest wait of one fetch for a first message
	// (default 200ms). A fetch returns as soon as a message has arrived,
	// with what else has arrived by then, up to BatchSize: it never waits
	// for a batch to fill (fetch.go). After fetches cut by their deadline
	// (a server slower than FetchWait) the wait doubles, up to 5 s, until
	// the server ends one empty (fetch.go noteWait).
	FetchWait time.Duration
	AckWait   time.Duration // server redelivery timeout (default 60s)
	Logger    *slog.Logger
	// StaleVersions flags the cache stale when the Turso head is this many
	// versions ahead of it (default 1000).
	StaleVersions uint64
	// StaleAfter flags the cache stale when it has been behind for this long
	// (default 30s), and when no heartbeat arrived for this long.
	StaleAfter time.Duration
	// TriggerSubject is where a stale worker asks the changefeed for a poll
	// (default sync.trigger).
	TriggerSubject string
	// OnBatch, when set, observes every applied batch (metrics).
	OnBatch func(messages int, took time.Duration)
	// Progress, when set, is called by CatchUp after every batch with the
	// messages processed and the number pending when it started.
	Progress func(done, total int)
	// TidyBudget is how many catalog entries one idle step of the
	// collector visits and how many far episodes it forgets (default 256;
	// negative: no idle steps). An idle step holds a change that arrives
	// meanwhile: about 30-40 ms at 1M episodes (tidy.go).
	TidyBudget int
}

// EnsureDefaults returns a copy of o (nil: the zero Options) with every
// unset field given its default; o itself is not changed.
func (o *Options) EnsureDefaults() *Options {
	var c Options
	if o != nil {
		c = *o
	}
	c.fill()
	return &c
}

func (o *Options) fill() {
	o.Name = cmp.Or(o.Name, "default")
	o.DBName = cmp.Or(o.DBName, "default")
	o.Stream = cmp.Or(o.Stream, protocol.DefaultStream)
	o.DLQStream = cmp.Or(o.DLQStream, protocol.DefaultDLQStream)
	o.BatchSize = cmp.Or(o.BatchSize, 256)
	o.FetchWait = cmp.Or(o.FetchWait, 200*time.Millisecond)
	o.TidyBudget = cmp.Or(o.TidyBudget, DefaultTidyBudget)
	o.AckWait = cmp.Or(o.AckWait, 60*time.Second)
	o.StaleVersions = cmp.Or(o.StaleVersions, 1000)
	o.StaleAfter = cmp.Or(o.StaleAfter, 30*time.Second)
	o.TriggerSubject = cmp.Or(o.TriggerSubject, protocol.DefaultTriggerSubject)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Validate reports the first option out of its range (after EnsureDefaults).
func (o *Options) Validate() error {
	if !protocol.ValidName(o.Name) || !protocol.ValidName(o.DBName) {
		return fmt.Errorf("%w: worker %q and db %q must match [A-Za-z0-9_-]{1,64}", ErrOptions, o.Name, o.DBName)
	}
	if o.BatchSize < 1 || o.BatchSize > 10000 {
		return fmt.Errorf("%w: batch size %d must be in 1..10000", ErrOptions, o.BatchSize)
	}
	return nil
}

// ConsumerName is the durable consumer of a worker.
func ConsumerName(db, worker string) string { return "memsync-" + db + "-" + worker }
