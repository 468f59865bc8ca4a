//go:build !unix

package speedtest

import "time"

// cpuTime is not measured here (0: the CPU figure reads 0).
func cpuTime() time.Duration { return 0 }
