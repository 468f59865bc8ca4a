package cachestore

import (
	"bytes"

	"github.com/cockroachdb/pebble/v2"
)

// The applier's range reads (the owner index, the window's and horizon's
// bounds) go through one iterator over its batch, re-aimed for each read:
// a new iterator per read built a merging iterator over every memtable and
// level each time, which was most of a catch-up's CPU (a worker catching
// up 10k new episodes into a 1000-episode window spent half its CPU in
// NewIter and the first seek).

// rangeIter returns the applier's iterator bounded to [lo, hi), seeing
// every mutation the batch holds so far, unpositioned. Only one read uses
// it at a time: each caller positions it, reads, and copies out what it
// keeps before returning.
func (a *applier) rangeIter(lo, hi []byte) (*pebble.Iterator, error) {
	o := &pebble.IterOptions{LowerBound: lo, UpperBound: hi}
	if a.it == nil {
		it, err := a.b.NewIter(o)
		if err != nil {
			return nil, wrapErr(err)
		}
		a.it = it
		return it, nil
	}
	// SetOptions refreshes the iterator's view of the indexed batch
	// (SetBounds alone would not) and invalidates its position.
	a.it.SetOptions(o)
	return a.it, nil
}

// closeIter releases the iterator before the batch is committed or closed.
func (a *applier) closeIter() error {
	if a.it == nil {
		return nil
	}
	err := a.it.Close()
	a.it = nil
	return wrapErr(err)
}

// boundKey returns the first (or, with last, the final) key in [lo, hi),
// nil when the range is empty.
func (a *applier) boundKey(lo, hi []byte, last bool) ([]byte, error) {
	it, err := a.rangeIter(lo, hi)
	if err != nil {
		return nil, err
	}
	ok := false
	if last {
		ok = it.Last()
	} else {
		ok = it.First()
	}
	if !ok {
		return nil, wrapErr(it.Error())
	}
	return bytes.Clone(it.Key()), nil
}

// keysWithPrefix lists the keys under a prefix in the batch's view (owner
// index scans).
func (a *applier) keysWithPrefix(p []byte) ([][]byte, error) {
	it, err := a.rangeIter(p, prefixEnd(p))
	if err != nil {
		return nil, err
	}
	return collectKeys(it)
}
