package integration

import (
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/testenv"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func metricValue(body, name string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` ([0-9.e+-]+)$`).FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// `memsync run --metrics-addr` serves Prometheus metrics, /healthz and
// /readyz (ready once caught up); no secret appears in them.
func TestMetricsAndHealth(t *testing.T) {
	const token = "metrics-SECRET-token"
	dir := t.TempDir()
	n := testenv.StartNATS(t)
	memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=40", "--seed=6").want(t, 0)
	addr := freeAddr(t)
	run := exec.Command(memsyncBin, "run", "--data-dir="+dir, "--nats="+n.ClientURL(), "--metrics-addr="+addr, "--max-episodes=10")
	run.Env = append(cleanEnv(), "TURSO_AUTH_TOKEN="+token, "NATS_TOKEN="+token)
	var logs syncBuffer // written by the process's stderr copier while the test reads it
	run.Stderr = &logs
	mustDo(t, run.Start())
	defer func() { _ = run.Process.Signal(syscall.SIGTERM); _ = run.Wait() }()
	base := "http://" + addr
	eventually(t, 30*time.Second, "/readyz to report ready", func() bool {
		code, _ := get(base + "/readyz")
		return code == 200
	})
	if code, _ := get(base + "/healthz"); code != 200 {
		t.Fatalf("/healthz: %d", code)
	}
	// Ready is the worker's catch-up of what the stream held when it
	// started: the 80 changes may still be on their way then (a loaded
	// machine), so the figures are waited for, not read once.
	want := map[string]float64{
		"memsync_changefeed_published_total": 80, "memsync_worker_applied_version": 80, "memsync_changefeed_cursor": 80,
		"memsync_turso_head_version": 80, "memsync_worker_stale": 0, "memsync_worker_lag_versions": 0,
	}
	var body string
	eventually(t, 30*time.Second, "the metrics to show the 80 changes applied", func() bool {
		_, body = get(base + "/metrics")
		for name, min := range want {
			if metricValue(body, name) < min {
				return false
			}
		}
		return true
	})
	if !strings.Contains(body, `memsync_batch_seconds_count{component="worker"}`) || !strings.Contains(body, `memsync_batch_messages_bucket{component="changefeed"`) {
		t.Fatalf("batch histograms missing:\n%s", body)
	}
	// The changefeed's micro service answers status while it runs.
	st := memsync(t, nil, "status", "--nats="+n.ClientURL(), "--worker=changefeed", "--json").want(t, 0)
	if !strings.Contains(st.stdout, `"cursor"`) || !strings.Contains(st.stdout, `"published"`) {
		t.Fatalf("changefeed live status: %s", st.stdout)
	}
	if strings.Contains(body+logs.String()+st.stdout, token) {
		t.Fatal("a secret appeared in metrics or logs")
	}
}
