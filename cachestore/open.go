package cachestore

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// openPebble opens the directory, waiting up to opts.LockWait for a lock
// held by another process (a read command holds it for milliseconds). The
// lock is taken before Pebble opens, so waiting costs no failed Opens.
func openPebble(dir string, opts *Options) (*pebble.DB, *pebble.Lock, error) {
	if _, err := os.Stat(dir); err != nil && opts.ReadOnly {
		return nil, nil, fmt.Errorf("%w in %s (has a worker run on it yet?)", ErrNoCache, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("cachestore: open %s: %w", dir, err)
	}
	lock, err := lockDir(dir, opts.LockWait)
	if err != nil {
		return nil, nil, err
	}
	db, err := pebble.Open(dir, pebbleOptions(opts, lock))
	if err != nil {
		lock.Close()
		if errors.Is(err, pebble.ErrDBDoesNotExist) {
			return nil, nil, fmt.Errorf("%w in %s (has a worker run on it yet?)", ErrNoCache, dir)
		}
		return nil, nil, classifyOpenError(dir, err)
	}
	return db, lock, nil
}

// bloomBitsPerKey sizes the bloom filter of every sstable (~1% false
// positives): Apply's bookkeeping reads are mostly misses (a new entity's
// catalog entry, an owner that is not cached), which a filter answers
// without reading the table's index and data blocks.
const bloomBitsPerKey = 10

// l0CompactionThreshold sets when L0 is compacted into the level below:
// Pebble does so once L0 is half as many sublevels deep (one sublevel per
// memtable flush, since a batch touches every key family and so each
// flushed table spans the whole key space). Pebble's default, 4, rewrites
// the overlapping part of the bottom level every 2 flushes: in a
// 20k-episode cold sync, 179 MB compacted for 162 MB flushed, the largest
// single CPU cost of the sync. 16 (a compaction every 8 flushes) compacts
// 73-78 MB for the same (BenchmarkSpeedOfLight/coldsync,
// pebble-compacted-MB). A point read then checks up to 8 more bloom
// filters, well under a microsecond. Writes stop at l0StopWrites
// sublevels (Pebble's default, 12, must not sit below the threshold).
const (
	l0CompactionThreshold = 16
	l0StopWrites          = 64
)

// pebbleOptions: a non-fatal corruption listener (Pebble's default reaction
// to on-disk corruption is Logger.Fatalf), a bloom filter on every level and
// a block cache of Options.BlockCacheSize, which Pebble creates and releases
// with the DB, and the L0 thresholds above. None is part of the stamped
// config: an existing cache opens with them as it is (tables written
// before have no filter and are read as before; compactions rewrite them
// with one).
func pebbleOptions(opts *Options, lock *pebble.Lock) *pebble.Options {
	po := &pebble.Options{Logger: quietLogger{}, ReadOnly: opts.ReadOnly, Lock: lock,
		CacheSize:             opts.blockCacheSize(),
		L0CompactionThreshold: l0CompactionThreshold, L0StopWritesThreshold: l0StopWrites,
		EventListener: &pebble.EventListener{DataCorruption: func(pebble.DataCorruptionInfo) {}}}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(bloomBitsPerKey)
	}
	return po
}

func lockDir(dir string, wait time.Duration) (*pebble.Lock, error) {
	deadline := time.Now().Add(wait)
	for {
		lock, err := pebble.LockDirectory(dir, vfs.Default)
		if err == nil {
			return lock, nil
		}
		err = classifyOpenError(dir, err)
		if !errors.Is(err, ErrLocked) || time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func classifyOpenError(dir string, err error) error {
	msg := err.Error()
	if errors.Is(err, syscall.EAGAIN) || strings.Contains(msg, "temporarily unavailable") || strings.Contains(msg, "lock held") {
		return fmt.Errorf("%w: %s (held by %s): %v", ErrLocked, dir, readOwner(dir), err)
	}
	if pebble.IsCorruptionError(err) || errors.Is(err, pebble.ErrCorruption) || looksCorrupt(msg) {
		return fmt.Errorf("%w: open %s: %v", ErrCorrupt, dir, err)
	}
	return fmt.Errorf("cachestore: open %s: %w", dir, err)
}

func looksCorrupt(msg string) bool {
	for _, s := range []string{"corrupt", "MANIFEST", "checksum", "invalid", "truncated", "unexpected EOF"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
