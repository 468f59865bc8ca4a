package changefeed

import (
	"log/slog"
	"maps"
	"slices"
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

// gapStep is one call of cut: at t0+at, from cursor, over in; it must let
// pass a prefix of want changes and then hold exactly the gaps in held.
type gapStep struct {
	at     time.Duration
	cursor uint64
	in     []turso.Change
	want   int
	held   []uint64 // the first missing id of each gap remembered after the call
}

// cut over time: a gap stops the batch before it until it has been seen for
// the grace window; contiguous ids pass untouched; the detector remembers
// only the gap it holds now (a filled, skipped or passed gap is forgotten).
func TestGapDetector(t *testing.T) {
	const s = time.Second
	runGapCases(t, []gapCase{
		{"contiguous", 2 * s, []gapStep{{0, 10, ids(11, 12, 13), 3, nil}}},
		{"gap waits then passes", 2 * s, []gapStep{
			{0, 10, ids(11, 12, 15, 16), 2, []uint64{13}},
			{1 * s, 12, ids(15, 16), 0, []uint64{13}},
			{3 * s, 12, ids(15, 16), 2, nil},
		}},
		{"gap at the start", 2 * s, []gapStep{
			{0, 10, ids(12, 13), 0, []uint64{11}},
			{2500 * time.Millisecond, 10, ids(12, 13), 2, nil},
		}},
		{"gap fills within the grace window", 2 * s, []gapStep{
			{0, 10, ids(11, 13), 1, []uint64{12}},
			{1 * s, 11, ids(12, 13), 2, nil},
		}},
		{"gap partly fills: still held from its first sight", 2 * s, []gapStep{
			{0, 10, ids(13), 0, []uint64{11}},
			{1 * s, 10, ids(12, 13), 0, []uint64{11}},
			{2500 * time.Millisecond, 10, ids(12, 13), 2, nil},
		}},
		{"expired gap, then a new one behind it", 2 * s, []gapStep{
			{0, 10, ids(12, 13, 15), 0, []uint64{11}},
			{2500 * time.Millisecond, 10, ids(12, 13, 15), 2, []uint64{14}},
			{4 * s, 13, ids(15), 0, []uint64{14}},
			{5 * s, 13, ids(15), 1, nil},
		}},
		{"cursor moved past a held gap (reloaded)", 2 * s, []gapStep{
			{0, 10, ids(12), 0, []uint64{11}},
			{1 * s, 20, ids(21), 1, nil},
		}},
		{"no grace: a gap passes at once and is not remembered", 0, []gapStep{
			{0, 10, ids(12, 14), 2, nil},
		}},
	})
}

// gapCase is one detector over time: its grace window and its steps.
type gapCase struct {
	name  string
	grace time.Duration
	steps []gapStep
}

// runGapCases runs each case's steps on a fake clock starting at t0: how
// many changes pass each cut and which gaps the detector remembers.
func runGapCases(t *testing.T, cases []gapCase) {
	t.Helper()
	t0 := time.Unix(1000, 0)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := newGapDetector(tc.grace, slog.New(slog.DiscardHandler))
			for i, st := range tc.steps {
				if got := len(g.cut(st.cursor, st.in, t0.Add(st.at))); got != st.want {
					t.Fatalf("step %d at +%v: %d changes pass, want %d", i, st.at, got, st.want)
				}
				if held := slices.Sorted(maps.Keys(g.seen)); !slices.Equal(held, st.held) {
					t.Fatalf("step %d at +%v: gaps remembered %v, want %v", i, st.at, held, st.held)
				}
			}
		})
	}
}
