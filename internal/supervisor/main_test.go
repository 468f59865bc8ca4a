package supervisor

import (
	"log/slog"
	"testing"

	"go.uber.org/goleak"
)

// pebble leaves its disk-health ticker running briefly after Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/cockroachdb/pebble/v2/vfs.(*diskHealthCheckingFS).startTickerLocked.func1"))
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }
