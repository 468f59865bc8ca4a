package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/testenv"
)

// Issue 9 items 5 and 6 through the real binary: `memsync changefeed
// --dlq-max-bytes` sets the dead-letter stream's byte limit (and a restart
// with another value updates the existing stream), a value under 1MiB is
// refused at once, and `memsync trigger --mode full` is answered once,
// then refused with the time the next one is allowed.
func TestPerm9ChangefeedLimitFlags(t *testing.T) {
	n := testenv.StartNATS(t)
	_, js := n.Connect(t)
	dir := t.TempDir()
	natsFlag := "--nats=" + n.ClientURL()
	memsync(t, nil, "seed", "--data-dir="+dir, "--episodes=5").want(t, 0)
	bad := memsync(t, nil, "changefeed", "--data-dir="+dir, natsFlag, "--dlq-max-bytes=512KiB")
	if bad.code != 2 || !strings.Contains(bad.stderr, "dlq-max-bytes") || !strings.Contains(bad.stderr, "at least 1MiB") {
		t.Fatalf("--dlq-max-bytes=512KiB: exit %d, stderr %s; want exit 2 naming the flag and the minimum", bad.code, bad.stderr)
	}
	for _, limit := range []struct {
		flag  string
		bytes int64
	}{{"2MiB", 2 << 20}, {"3MiB", 3 << 20}} {
		cf := &proc{t: t, args: []string{"changefeed", "--data-dir=" + dir, natsFlag, "--poll-interval=20ms",
			"--dlq-max-bytes=" + limit.flag, "--full-recapture-every=1h", "--log-format=json"}}
		cf.start()
		eventually(t, 30*time.Second, "MEMSYNC_DLQ limited to "+limit.flag+" (--dlq-max-bytes reaches changefeed.Options through changefeedLimits in cmd_pipeline.go)", func() bool {
			return dlqMaxBytes(t, js) == limit.bytes
		})
		if limit.bytes == 2<<20 {
			checkFullTriggersCLI(t, natsFlag)
		}
		cf.stop()
	}
}

func dlqMaxBytes(t *testing.T, js jetstream.JetStream) int64 {
	s, err := js.Stream(t.Context(), "MEMSYNC_DLQ")
	if err != nil {
		return 0
	}
	info, err := s.Info(t.Context())
	if err != nil {
		return 0
	}
	return info.Config.MaxBytes
}

// checkFullTriggersCLI: the first full re-capture is accepted, the second
// (within --full-recapture-every 1h) exits 1 with the refusal and when the
// next is allowed.
func checkFullTriggersCLI(t *testing.T, natsFlag string) {
	t.Helper()
	args := []string{"trigger", natsFlag, "--mode=full", "--target=changefeed", "--expect=1", "--timeout=10s"}
	first := memsync(t, nil, args...).want(t, 0)
	if !strings.Contains(first.stdout, `"recaptured_rows":`) {
		t.Fatalf("first full trigger: %s", first.stdout)
	}
	second := memsync(t, nil, args...).want(t, 1)
	for _, want := range []string{"rate limited", "at most one every 1h0m0s", "next is allowed at", `"next_full_at":`} {
		if !strings.Contains(second.stdout, want) {
			t.Fatalf("second full trigger within the limit: %s; want %q in it", second.stdout, want)
		}
	}
}
