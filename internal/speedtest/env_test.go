package speedtest

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/memsync/memsync/internal/testenv"
)

// envInt reads a benchmark setting: def when unset, else an integer >= min.
func envInt(b testing.TB, name string, def, min int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		b.Fatal(fmt.Errorf("%w: %s=%q must be an integer >= %d", ErrBadEnv, name, v, min))
	}
	return n
}

// envMillis reads a duration in milliseconds (0 when unset).
func envMillis(b testing.TB, name string) time.Duration {
	b.Helper()
	return time.Duration(envInt(b, name, 0, 0)) * time.Millisecond
}

// inStage runs fn under the pprof label stage=name; goroutines fn starts
// (a NATS connection's too) inherit it.
func inStage(ctx context.Context, name string, fn func(context.Context)) {
	pprof.Do(ctx, pprof.Labels("stage", name), fn)
}

// connect opens a NATS connection, closed at cleanup. Called inside
// inStage, the connection's own goroutines carry the stage's label.
func connect(b testing.TB, n *testenv.NATS, opts ...jetstream.JetStreamOpt) jetstream.JetStream {
	b.Helper()
	nc, err := nats.Connect(n.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, err := jetstream.New(nc, opts...)
	if err != nil {
		b.Fatal(err)
	}
	return js
}

// openPebble opens a Pebble directory as cachestore does (quiet logger),
// with nothing of memsync on top.
func openPebble(b testing.TB, dir string) *pebble.DB {
	b.Helper()
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietPebble{}})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

type quietPebble struct{}

func (quietPebble) Infof(string, ...any)  {}
func (quietPebble) Errorf(string, ...any) {}
func (quietPebble) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
