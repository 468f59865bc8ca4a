//go:build unix

package retrieval

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time: the benchmarks report it
// next to wall time because the CI class of machine is shared and noisy.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
