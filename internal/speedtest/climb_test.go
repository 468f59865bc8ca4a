package speedtest

import "testing"

// TestClimbEnds: the sustained-rate climb's decisions, step by step.
func TestClimbEnds(t *testing.T) {
	type s struct {
		asked, reached float64
		behind         int
	}
	for _, tc := range []struct {
		name        string
		steps       []s
		best        float64
		writerBound bool
		lagged      bool
		taken       int // steps taken before the climb ended
	}{
		{"all sustained", []s{{1000, 1000, 0}, {2000, 1990, 0}}, 1990, false, false, 2},
		{"lag grows", []s{{1000, 1000, 0}, {2000, 2000, 0}, {4000, 4000, 12}}, 2000, false, true, 3},
		{"writer short but still climbing", []s{{2000, 2000, 0}, {4000, 3520, 0}, {8000, 5200, 0}}, 5200, false, false, 3},
		{"writer saturated", []s{{2000, 2000, 0}, {4000, 3520, 0}, {8000, 3600, 0}}, 3600, true, false, 3},
		{"writer short on the first step", []s{{16000, 5000, 0}, {32000, 5100, 0}}, 5100, true, false, 2},
		{"lag after the writer fell short", []s{{4000, 3520, 0}, {8000, 5200, 3}}, 3520, false, true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c climb
			taken := 0
			for _, st := range tc.steps {
				taken++
				if !c.step(st.asked, st.reached, st.behind) {
					break
				}
			}
			if taken != tc.taken || c.best != tc.best || c.writerBound != tc.writerBound || c.lagged != tc.lagged {
				t.Fatalf("after %d steps: best %.0f writer-bound %v lagged %v; want %d steps, %.0f, %v, %v (%s)",
					taken, c.best, c.writerBound, c.lagged, tc.taken, tc.best, tc.writerBound, tc.lagged, c.ending())
			}
		})
	}
}
