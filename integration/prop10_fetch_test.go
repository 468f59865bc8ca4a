package integration

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/changefeed"
	"github.com/memsync/memsync/worker"
)

// Issue 10 item 2: the worker applies whatever has arrived instead of
// waiting for a full batch. FetchWait is far longer than the test waits,
// so a fetch that holds a change until its batch fills (or the wait ends)
// never applies it here; one that returns with what arrived applies each
// change as it comes. The bound is a hang detector, not a speed check.
func TestPropagationFetchAppliesWhatArrived(t *testing.T) {
	cases := []struct {
		name   string
		batch  int
		writes int
	}{
		{"default batch, one change at a time", 0, 3},
		{"batch of 8, one change at a time", 8, 3},
		{"batch of 1", 1, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			w := newWriter(t, e.db, 21, 8)
			w.episode() // the stream exists before the worker binds
			seen := &appliedLog{at: map[string]time.Time{}}
			st, err := cachestore.Open(filepath.Join(t.TempDir(), "cache"), &cachestore.Options{MaxEpisodes: 100, OnCommit: seen.record})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			cf := e.changefeed(changefeed.Options{PollInterval: 5 * time.Millisecond})
			wk, err := worker.New(st, e.js, &worker.Options{FetchWait: time.Minute, BatchSize: tc.batch, Logger: quiet()})
			if err != nil {
				t.Fatal(err)
			}
			stop := runPipeline(cf, wk)
			t.Cleanup(stop)
			for i := range tc.writes {
				ep := w.episode()
				if !appliedWithin(seen, ep.ID, 20*time.Second) {
					t.Fatalf("write %d (episode %s) not applied after 20s with FetchWait 1m and batch size %d (0: default): the fetch waits for its batch to fill",
						i+1, ep.ID, tc.batch)
				}
			}
		})
	}
}

// appliedWithin waits until id was committed to the cache, at most d.
func appliedWithin(seen *appliedLog, id string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if _, ok := seen.get(id); ok {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}
