package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memsync/memsync/cachestore"
	"github.com/memsync/memsync/internal/supervisor"
	"github.com/memsync/memsync/internal/testenv"
	"github.com/memsync/memsync/worker"
)

// /readyz follows the supervisor: not ready while no worker runs (before
// the first one, and between a worker's stop and the next one's start, e.g.
// during a rebuild), and it says why.
func TestReadyzFollowsTheSupervisedWorker(t *testing.T) {
	o := newPipelineMetrics()
	o.workers(&supervisor.Options{})
	srv := httptest.NewServer(o.reg.Handler())
	t.Cleanup(srv.Close)
	readyz := func() (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	n := testenv.StartNATS(t)
	_, js := n.Connect(t)
	store, err := cachestore.Open(filepath.Join(t.TempDir(), "cache"), &cachestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	w, err := worker.New(store, js, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		name  string
		apply func()
		want  string
	}{
		{"before any worker", func() {}, "no worker running"},
		{"worker started, not caught up", func() { o.started(store, w) }, "catching up"},
		{"worker stopped for a rebuild", func() { o.started(nil, nil) }, "no worker running"},
	} {
		step.apply()
		code, body := readyz()
		if code != http.StatusServiceUnavailable || !strings.Contains(body, step.want) {
			t.Fatalf("%s: /readyz %d %q, want 503 mentioning %q", step.name, code, body, step.want)
		}
	}
}
