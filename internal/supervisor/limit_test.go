package supervisor

import (
	"testing"
	"time"
)

// At most three automatic rebuilds in any ten minutes; a refused attempt
// is not counted, and a rebuild exactly ten minutes old no longer is.
func TestRebuildLimit(t *testing.T) {
	const m = time.Minute
	cases := []struct {
		name string
		at   []time.Duration // when each rebuild is attempted
		want []bool
	}{
		{"three at once, the fourth refused", []time.Duration{0, 0, 0, 0}, []bool{true, true, true, false}},
		{"the fourth just inside the window", []time.Duration{0, 0, 0, 10*m - time.Nanosecond}, []bool{true, true, true, false}},
		{"the fourth ten minutes after the first three", []time.Duration{0, 0, 0, 10 * m}, []bool{true, true, true, true}},
		{"the window slides", []time.Duration{0, 4 * m, 8 * m, 12 * m, 13 * m}, []bool{true, true, true, true, false}},
		{"a refused attempt is not counted", []time.Duration{0, 5 * m, 5 * m, 9 * m, 10 * m, 11 * m}, []bool{true, true, true, false, true, false}},
		{"spread out, never refused", []time.Duration{0, 4 * m, 8 * m, 14 * m, 18 * m, 24 * m}, []bool{true, true, true, true, true, true}},
	}
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var now time.Time
			l := rebuildLimit{now: func() time.Time { return now }}
			for i, at := range tc.at {
				now = start.Add(at)
				if got := l.allow(); got != tc.want[i] {
					t.Fatalf("attempt %d at +%v: allowed %v, want %v", i+1, at, got, tc.want[i])
				}
			}
		})
	}
}
