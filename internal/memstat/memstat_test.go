package memstat

import (
	"errors"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"0", 0, false},
		{"1073741824", 1 << 30, false},
		{"512MiB", 512 << 20, false},
		{"512MB", 512 << 20, false},
		{" 4 GiB ", 4 << 30, false},
		{"1KiB", 1024, false},
		{"7B", 7, false},
		{"1TiB", 1 << 40, false},
		{"", 0, true},
		{"-1", 0, true},
		{"1.5GiB", 0, true},
		{"lots", 0, true},
		{"9000000TiB", 0, true}, // overflows int64
		{"MiB", 0, true},
	} {
		got, err := ParseSize(c.in)
		if c.err {
			if !errors.Is(err, ErrBadSize) {
				t.Errorf("ParseSize(%q) = %d, %v; want ErrBadSize", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

// Read follows the process: 64 MiB kept alive shows in the heap, the Go
// total and the resident set.
func TestReadFollowsTheProcess(t *testing.T) {
	runtime.GC()
	before := Read()
	if before.RSSBytes == 0 && runtime.GOOS == "linux" {
		t.Fatal("no resident set read from /proc/self/statm")
	}
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = byte(i)
	}
	after := Read()
	runtime.KeepAlive(big)
	for _, c := range []struct {
		name          string
		before, after uint64
	}{
		{"go heap", before.GoHeapBytes, after.GoHeapBytes},
		{"go total", before.GoTotalBytes, after.GoTotalBytes},
		{"rss", before.RSSBytes, after.RSSBytes},
	} {
		if c.after < c.before+60<<20 {
			t.Errorf("%s: %d -> %d bytes after a 64 MiB allocation", c.name, c.before, c.after)
		}
	}
	if after.GoHeapBytes > after.GoTotalBytes {
		t.Errorf("heap %d above the runtime's total %d", after.GoHeapBytes, after.GoTotalBytes)
	}
	// the gauges' single readers see the same allocation
	if rss := RSSBytes(); rss < before.RSSBytes+60<<20 {
		t.Errorf("RSSBytes %d, before the allocation %d", rss, before.RSSBytes)
	}
	if total := GoTotalBytes(); total < before.GoTotalBytes+60<<20 {
		t.Errorf("GoTotalBytes %d, before the allocation %d", total, before.GoTotalBytes)
	}
	runtime.KeepAlive(big)
}

func TestSetLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	debug.SetMemoryLimit(math.MaxInt64)
	if l := Read().LimitBytes; l != 0 {
		t.Fatalf("no limit reads %d, want 0", l)
	}
	SetLimit(300 << 20)
	if l := Read().LimitBytes; l != 300<<20 || LimitBytes() != l {
		t.Fatalf("limit %d (LimitBytes %d) after SetLimit(300 MiB)", l, LimitBytes())
	}
	if got := SetLimit(0); got != 300<<20 {
		t.Fatalf("SetLimit(0) returned %d, want the limit in force", got)
	}
	if l := Read().LimitBytes; l != 300<<20 {
		t.Fatalf("SetLimit(0) changed the limit to %d", l)
	}
}
