//go:build unix

package speedtest

import (
	"time"

	"github.com/memsync/memsync/internal/testenv/cputime"
)

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration { return cputime.Used() }
