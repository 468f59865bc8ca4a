package retrieval

import (
	"runtime"
	"testing"
)

// TestApproxBytesIsHonest compares Stats.ApproxBytes with the heap the
// index really holds.
func TestApproxBytesIsHonest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 3k-episode corpus")
	}
	c := genCorpus(t, 42, 3000, 50, 384)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := build(t, nil, c.muts)
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	approx := x.Stats().ApproxBytes
	if ratio := float64(approx) / float64(held); ratio < 0.75 || ratio > 1.33 {
		t.Errorf("ApproxBytes %d, heap held %d (ratio %.2f)", approx, held, ratio)
	}
	runtime.KeepAlive(c)
	runtime.KeepAlive(x)
}
