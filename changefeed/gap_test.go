package changefeed

import (
	"log/slog"
	"testing"
	"time"

	"github.com/memsync/memsync/internal/turso"
)

func ids(ns ...uint64) []turso.Change {
	out := make([]turso.Change, len(ns))
	for i, n := range ns {
		out[i] = turso.Change{ID: n}
	}
	return out
}

// A gap in change_ids stops the batch before it until the grace window has
// passed; contiguous ids pass untouched.
func TestGapDetector(t *testing.T) {
	t0 := time.Unix(1000, 0)
	cases := []struct {
		name   string
		cursor uint64
		in     []turso.Change
		at     []time.Duration // successive calls at t0+at[i]
		want   []int           // prefix length returned by each call
	}{
		{"contiguous", 10, ids(11, 12, 13), []time.Duration{0}, []int{3}},
		{"gap waits then passes", 10, ids(11, 12, 15, 16), []time.Duration{0, time.Second, 3 * time.Second}, []int{2, 2, 4}},
		{"gap at the start", 10, ids(12, 13), []time.Duration{0, 2500 * time.Millisecond}, []int{0, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := newGapDetector(2*time.Second, slog.New(slog.DiscardHandler))
			for i, at := range tc.at {
				if got := len(g.cut(tc.cursor, tc.in, t0.Add(at))); got != tc.want[i] {
					t.Fatalf("call %d at +%v: %d changes pass, want %d", i, at, got, tc.want[i])
				}
			}
		})
	}
}
