package cachestore

import (
	"encoding/binary"
	"hash/maphash"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// ownerFilter answers "may this owner have owner-index entries?" without a
// seek. Apply asks the owner index three times per new episode in a full
// window (admit the new one's embeddings, drop the evicted one's, forget
// the one past the reserve), and each ask was a seek through every
// memtable and L0 table (each flushed table spans the key space): a third
// of a catching-up worker's CPU. Most owners own nothing yet when asked
// (an episode arrives before its embeddings).
//
// A bloom filter over owner prefixes, built from the owner index when the
// cache opens and added to before any owner-index entry is written (Apply,
// Loader). It never forgets: a false positive costs the seek it replaced.
//
// INVARIANT (owner filter): no false negative. Every owner-index Set goes
// through add first, and Open adds every entry on disk.
type ownerFilter struct {
	seed maphash.Seed
	// bits are added to and read by the store's one writer at a time (an
	// Apply under the write gate, or the Loader of a staging store before
	// any Apply); atomic so that the filter needs no lock of its own if
	// that ever changes.
	bits []atomic.Uint64
}

// ownerFilterBits: 1 MiB; at 1M owners with entries, 2.4% false positives.
const (
	ownerFilterBits   = 1 << 23
	ownerFilterProbes = 4
)

func newOwnerFilter() *ownerFilter {
	return &ownerFilter{seed: maphash.MakeSeed(), bits: make([]atomic.Uint64, ownerFilterBits/64)}
}

func (f *ownerFilter) probes(p []byte) (h1, h2 uint64) {
	h := maphash.Bytes(f.seed, p)
	return h, h>>32 | 1
}

func (f *ownerFilter) add(p []byte) {
	h1, h2 := f.probes(p)
	for i := range uint64(ownerFilterProbes) {
		b := (h1 + i*h2) % ownerFilterBits
		f.bits[b/64].Or(1 << (b % 64))
	}
}

// mayHave is false only for an owner prefix never added.
func (f *ownerFilter) mayHave(p []byte) bool {
	h1, h2 := f.probes(p)
	for i := range uint64(ownerFilterProbes) {
		b := (h1 + i*h2) % ownerFilterBits
		if f.bits[b/64].Load()&(1<<(b%64)) == 0 {
			return false
		}
	}
	return true
}

// fill adds the owner of every owner-index entry on disk.
func (f *ownerFilter) fill(r pebble.Reader) error {
	root := []byte("o/")
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: root, UpperBound: prefixEnd(root)})
	if err != nil {
		return wrapErr(err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		if n := ownerPrefixLen(k); n > 0 {
			f.add(k[:n])
		}
	}
	return wrapErr(it.Error())
}

// ownerPrefixLen is the length of an owner key's ownerPrefix (0: not one).
func ownerPrefixLen(k []byte) int {
	if len(k) < 5 {
		return 0
	}
	n := 5 + int(binary.BigEndian.Uint16(k[3:5]))
	if n > len(k) {
		return 0
	}
	return n
}

// noteOwner records that an owner-index entry of the owner is about to be
// written.
func (s *Store) noteOwner(owner byte, ownerID string) {
	if s.owners != nil {
		s.owners.add(ownerPrefix(owner, ownerID))
	}
}
