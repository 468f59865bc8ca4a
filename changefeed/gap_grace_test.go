package changefeed

import (
	"testing"
	"time"
)

// The grace window's edges on the fake clock: a gap is held while it has
// been seen for less than the grace window and passes once it has been
// seen for exactly that long; a gap that passed and comes back (the
// cursor reloaded below it after a failed publish) waits a full window
// again from its new first sight.
func TestGapGraceWindowEdges(t *testing.T) {
	const s = time.Second
	runGapCases(t, []gapCase{
		{"held until the grace window, passed at it", 2 * s, []gapStep{
			{0, 10, ids(12), 0, []uint64{11}},
			{2*s - time.Nanosecond, 10, ids(12), 0, []uint64{11}},
			{2 * s, 10, ids(12), 1, nil},
		}},
		{"an expired gap seen again waits a full window again", 2 * s, []gapStep{
			{0, 10, ids(12), 0, []uint64{11}},
			{2 * s, 10, ids(12), 1, nil},
			{3 * s, 10, ids(12), 0, []uint64{11}},
			{5*s - time.Nanosecond, 10, ids(12), 0, []uint64{11}},
			{5 * s, 10, ids(12), 1, nil},
		}},
		{"a new gap's window counts from its own first sight", 2 * s, []gapStep{
			{0, 10, ids(11, 13), 1, []uint64{12}},
			{1 * s, 11, ids(12, 13), 2, nil},
			{1500 * time.Millisecond, 13, ids(15), 0, []uint64{14}},
			{3 * s, 13, ids(15), 0, []uint64{14}},
			{3500 * time.Millisecond, 13, ids(15), 1, nil},
		}},
	})
}
