package integration

import (
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
	e, w := newEnvWriter(t, 91, 4)
	w.episodes(5)
	stopCF := inBackground(e.changefeed(changefeed.Options{PollInterval: 10 * time.Millisecond, HeartbeatInterval: 50 * time.Millisecond}).Run)
	defer stopCF()

	wo := worker.Options{FetchWait: 20 * time.Millisecond, StaleVersions: 3, StaleAfter: 300 * time.Millisecond}
	c := e.openCache("", cachestore.Options{MaxEpisodes: 0}, wo)
	stopWorker := inBackground(c.w.Run)
	eventually(t, 10*time.Second, "a fresh, caught-up worker", func() bool {
		h := c.w.Health()
		return h.CaughtUp && !h.Stale && h.Head > 0 && h.Lag == 0
	})

	// Pause consumption: the worker keeps hearing heartbeats but cannot fetch.
	pause(t, e, c)
	w.episodes(4)
	eventually(t, 10*time.Second, "the paused worker to report itself stale", func() bool {
		h := c.w.Health()
		return h.Stale && h.Lag >= 8
	})
	resume(t, e, c)
	eventually(t, 10*time.Second, "the worker to be fresh again", func() bool {
		h := c.w.Health()
		return !h.Stale && h.Lag == 0
	})
	stopWorker()
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
