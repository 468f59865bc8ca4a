//go:build unix

package cputime

import "testing"

// Work moves the figure forward: Used is the process's CPU time, not a
// constant (a stub returning 0 fails here).
func TestUsedGrowsWithWork(t *testing.T) {
	before := Used()
	x := uint64(1)
	for range 50_000_000 { // about 50 ms of CPU
		x = x*6364136223846793005 + 1442695040888963407
	}
	if after := Used(); after <= before || x == 0 {
		t.Fatalf("CPU time did not grow over 50M multiplications: %v -> %v", before, after)
	}
}
