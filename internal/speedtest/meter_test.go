package speedtest

import (
	"testing"
	"time"
)

// meter runs a benchmark's timer and, with it, a process CPU clock: only
// the timed parts of a stage count in its CPU per row.
type meter struct {
	b       *testing.B
	running bool
	since   time.Duration // cpuTime when the timer last started
	total   time.Duration
}

// newMeter starts with the timer running, as a benchmark function does.
func newMeter(b *testing.B) *meter { return &meter{b: b, running: true, since: cpuTime()} }

func (m *meter) on() {
	m.b.StartTimer()
	if !m.running {
		m.running, m.since = true, cpuTime()
	}
}

func (m *meter) off() {
	m.b.StopTimer()
	if m.running {
		m.running, m.total = false, m.total+cpuTime()-m.since
	}
}

// reset drops what was measured so far (setup), as b.ResetTimer does.
func (m *meter) reset() {
	m.b.ResetTimer()
	m.total, m.since = 0, cpuTime()
}

// cpu is the process CPU time spent while the timer ran.
func (m *meter) cpu() time.Duration {
	if m.running {
		return m.total + cpuTime() - m.since
	}
	return m.total
}
