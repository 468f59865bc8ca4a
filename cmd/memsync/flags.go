package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/memsync/memsync/internal/memstat"
	"github.com/memsync/memsync/internal/rebuild"
)

// supervisorFlags configure what the supervisor of a worker does besides
// running it: the periodic validation against Turso and the old caches a
// rebuild keeps aside (issue 9, item 6b).
type supervisorFlags struct {
	validateEvery  time.Duration
	keepAside      keepAsideCount
	keepAsideBytes byteSize
}

func (s *supervisorFlags) register(cl *commandLine) {
	cl.fs.DurationVar(&s.validateEvery, "validate-every", 10*time.Minute, "periodic validation against Turso when --turso is set (0 = off); a confirmed divergence rebuilds the cache")
	s.keepAsideFlags(cl)
}

// keepAsideFlags registers the disk budget of the old caches a rebuild keeps
// aside, read back by asideBudget.
func (s *supervisorFlags) keepAsideFlags(cl *commandLine) {
	n := keepAsideCount(rebuild.KeepAside)
	s.keepAside = n
	cl.fs.Var(&s.keepAside, "keep-aside", "old caches a rebuild keeps aside for inspection, newest first (0 = none)")
	b := byteSize(rebuild.DefaultKeepAsideBytes)
	s.keepAsideBytes = b
	cl.fs.Var(&s.keepAsideBytes, "keep-aside-bytes", "disk budget of the old caches kept aside, e.g. 4GiB, 512MiB (0 = none); the oldest are deleted first")
}

// asideBudget is the keep-aside budget given on the command line.
func (c *workerHost) asideBudget() rebuild.AsideBudget {
	b := rebuild.DefaultAsideBudget()
	b.Keep = int(c.keepAside)
	b.Bytes = int64(c.keepAsideBytes)
	return b
}

// keepAsideCount is --keep-aside: a non-negative integer.
type keepAsideCount int

func (n *keepAsideCount) String() string { return strconv.Itoa(int(*n)) }

func (n *keepAsideCount) Set(s string) error {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < 0 {
		return fmt.Errorf("%q: want a non-negative integer", s)
	}
	*n = keepAsideCount(v)
	return nil
}

// byteSize is a size flag (--keep-aside-bytes, --dlq-max-bytes,
// --memory-limit): a size in bytes with an optional KiB/MiB/GiB/TiB (or
// KB/MB/GB/TB, also powers of 1024) suffix.
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Set(s string) error {
	n, err := memstat.ParseSize(s)
	if err != nil {
		return fmt.Errorf("%q: want a non-negative size in bytes, e.g. 4GiB or 1073741824", s)
	}
	*b = byteSize(n)
	return nil
}
