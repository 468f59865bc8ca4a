package integration

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/worker"
)

// A worker compares the changefeed's heartbeat with its cache: caught up it
// is fresh; with its consumer paused on the server while agents keep writing
// it reports itself stale with the lag in versions; resumed, it catches up
// and is fresh again.
func TestStalenessFromHeartbeats(t *testing.T) {
	e := newEnv(t)
	w := newWriter(t, e.db, 91, 4)
	for range 5 {
		w.episode()
	}
	cf := e.changefeed(changefeed.Options{PollInterval: 10 * time.Millisecond, HeartbeatInterval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = cf.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()

	wo := worker.Options{FetchWait: 20 * time.Millisecond, StaleVersions: 3, StaleAfter: 300 * time.Millisecond}
	c := e.openCache("", cachestore.Options{MaxEpisodes: 0}, wo)
	wctx, wcancel := context.WithCancel(context.Background())
	wdone := make(chan struct{})
	go func() { defer close(wdone); _ = c.w.Run(wctx) }()
	eventually(t, 10*time.Second, "a fresh, caught-up worker", func() bool {
		h := c.w.Health()
		return h.CaughtUp && !h.Stale && h.Head > 0 && h.Lag == 0
	})

	// Pause consumption: the worker keeps hearing heartbeats but cannot fetch.
	pause(t, e, c)
	for range 4 {
		w.episode()
	}
	eventually(t, 10*time.Second, "the paused worker to report itself stale", func() bool {
		h := c.w.Health()
		return h.Stale && h.Lag >= 8
	})
	resume(t, e, c)
	eventually(t, 10*time.Second, "the worker to be fresh again", func() bool {
		h := c.w.Health()
		return !h.Stale && h.Lag == 0
	})
	wcancel()
	<-wdone
}

// pause/resume use `memsync consumer`, the server's consumer pause.
func pause(t *testing.T, e *env, _ *cache) {
	t.Helper()
	memsync(t, nil, "consumer", "pause", "--nats="+e.nats.ClientURL(), "--worker=default", "--for=1h").want(t, 0)
}

func resume(t *testing.T, e *env, _ *cache) {
	t.Helper()
	memsync(t, nil, "consumer", "resume", "--nats="+e.nats.ClientURL(), "--worker=default").want(t, 0)
}
