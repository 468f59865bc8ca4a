package memstat

import (
	"bytes"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
)

// Memory is one reading of the process's memory, in bytes.
type Memory struct {
	// RSSBytes is the resident set of the process (0 where the platform
	// does not say: it is read from /proc/self/statm).
	RSSBytes uint64 `json:"rss_bytes"`
	// GoHeapBytes is the heap the Go runtime holds for objects, live or
	// not yet swept.
	GoHeapBytes uint64 `json:"go_heap_bytes"`
	// GoTotalBytes is all the memory the Go runtime mapped (heap, stacks,
	// its own metadata), what the soft limit is compared with.
	GoTotalBytes uint64 `json:"go_total_bytes"`
	// LimitBytes is the soft memory limit (GOMEMLIMIT or --memory-limit);
	// 0 when there is none.
	LimitBytes uint64 `json:"limit_bytes"`
	// EmbeddedNATS says the NATS JetStream server runs in this process, so
	// the figures above include its memory.
	EmbeddedNATS bool `json:"embedded_nats"`
}

var samples = []metrics.Sample{
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/memory/classes/total:bytes"},
}

// Read samples the process's memory now.
func Read() Memory {
	heap, total := goBytes()
	return Memory{GoHeapBytes: heap, GoTotalBytes: total, RSSBytes: RSSBytes(), LimitBytes: LimitBytes()}
}

// RSSBytes is Read's RSSBytes alone (one small file read), for a gauge.
func RSSBytes() uint64 { return rss() }

// GoTotalBytes is Read's GoTotalBytes alone, for a gauge.
func GoTotalBytes() uint64 {
	_, total := goBytes()
	return total
}

// LimitBytes is Read's LimitBytes alone: the soft memory limit, 0 for none.
func LimitBytes() uint64 {
	if l := debug.SetMemoryLimit(-1); l > 0 && l != math.MaxInt64 {
		return uint64(l)
	}
	return 0
}

func goBytes() (heap, total uint64) {
	s := make([]metrics.Sample, len(samples))
	copy(s, samples)
	metrics.Read(s)
	return value(s[0]), value(s[1])
}

func value(s metrics.Sample) uint64 {
	if s.Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s.Value.Uint64()
}

// rss reads the resident pages from /proc/self/statm (its second field).
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// SetLimit sets the process's soft memory limit to n bytes (n > 0) and
// returns the previous one (math.MaxInt64: none). n <= 0 leaves it as it
// is (GOMEMLIMIT's, or none).
func SetLimit(n int64) (previous int64) {
	if n <= 0 {
		return debug.SetMemoryLimit(-1)
	}
	return debug.SetMemoryLimit(n)
}
