//go:build unix

package retrieval

import (
	"time"

	"github.com/memsync/memsync/internal/testenv/cputime"
)

// cpuTime is the process's user+system CPU time: the benchmarks report it
// next to wall time because the CI class of machine is shared and noisy.
func cpuTime() time.Duration { return cputime.Used() }
