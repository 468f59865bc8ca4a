package cachestore

import (
	"encoding/binary"
	"hash/maphash"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// keyFilter answers "may this key (or key prefix) be in the store?"
// without a seek. A writable store keeps two:
//
//   - owners: the owner prefixes that may have owner-index entries. Apply
//     asks the owner index three times per new episode in a full window
//     (admit the new one's embeddings, drop the evicted one's, forget the
//     one past the reserve), and each ask was a seek through every
//     memtable and L0 table (each flushed table spans the key space): a
//     third of a catching-up worker's CPU. Most owners own nothing yet
//     when asked (an episode arrives before its embeddings).
//   - catalog: the catalog keys that may exist. Apply reads the catalog
//     entry of every change it applies (INVARIANT 4 compares versions),
//     and a new entity has none: in a cold sync or a stream of new
//     episodes nearly every read is a miss, and each was a point read
//     through every memtable and L0 table (0.47 of a cold-syncing
//     applier's 0.80 s, 0.62 of 1.55 s at 20,000 new episodes a second).
//
// A bloom filter, filled from the store's keys when the cache opens and
// added to before any such key is written (Apply, Loader). It never
// forgets: a false positive costs the read it replaced.
//
// INVARIANT 5.4 (key filters): no false negative. Every owner-index Set and
// every catalog Set goes through add first, and Open adds every such key
// on disk.
type keyFilter struct {
	seed maphash.Seed
	size uint64 // bits, a power of two
	// bits are added to and read by the store's one writer at a time (one
	// Apply at a time, doc.go, or the Loader of a staging store before any
	// Apply); atomic so that the filter needs no lock of its own if that
	// ever changes: a bit is set before the key's batch commits, so whoever
	// sees the key also sees the bit.
	bits []atomic.Uint64
}

const (
	// ownerFilterBits: 1 MiB; at 1M owners with entries, 2.4% false
	// positives.
	ownerFilterBits = 1 << 23
	// catalogFilterBits: 2 MiB; at 2M catalog entries (1M episodes and
	// their embeddings, unbounded), 2.4% false positives.
	catalogFilterBits = 1 << 24
	filterProbes      = 4
)

func newKeyFilter(size uint64) *keyFilter {
	return &keyFilter{seed: maphash.MakeSeed(), size: size, bits: make([]atomic.Uint64, size/64)}
}

func (f *keyFilter) probes(p []byte) (h1, h2 uint64) {
	h := maphash.Bytes(f.seed, p)
	return h, h>>32 | 1
}

func (f *keyFilter) add(p []byte) {
	h1, h2 := f.probes(p)
	for i := range uint64(filterProbes) {
		b := (h1 + i*h2) & (f.size - 1)
		f.bits[b/64].Or(1 << (b % 64))
	}
}

// mayHave is false only for a key never added.
func (f *keyFilter) mayHave(p []byte) bool {
	h1, h2 := f.probes(p)
	for i := range uint64(filterProbes) {
		b := (h1 + i*h2) & (f.size - 1)
		if f.bits[b/64].Load()&(1<<(b%64)) == 0 {
			return false
		}
	}
	return true
}

// fill adds what of every key under root on disk the filter holds: part
// returns it (nil: nothing).
func (f *keyFilter) fill(r pebble.Reader, root []byte, part func(k []byte) []byte) error {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: root, UpperBound: prefixEnd(root)})
	if err != nil {
		return wrapErr(err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		if p := part(it.Key()); p != nil {
			f.add(p)
		}
	}
	return wrapErr(it.Error())
}

// openFilters builds a writable store's key filters from its keys on disk.
func (s *Store) openFilters() error {
	s.owners, s.catalog = newKeyFilter(ownerFilterBits), newKeyFilter(catalogFilterBits)
	if err := s.owners.fill(s.db, []byte("o/"), ownerPart); err != nil {
		return err
	}
	return s.catalog.fill(s.db, []byte("c/"), func(k []byte) []byte { return k })
}

// ownerPart is an owner key's ownerPrefix (nil: not an owner key).
func ownerPart(k []byte) []byte {
	if n := ownerPrefixLen(k); n > 0 {
		return k[:n]
	}
	return nil
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

// noteCatalog records that the catalog key is about to be written.
func (s *Store) noteCatalog(k []byte) {
	if s.catalog != nil {
		s.catalog.add(k)
	}
}

// mayHaveCatalog is false only for a catalog key that does not exist.
func (s *Store) mayHaveCatalog(k []byte) bool {
	return s.catalog == nil || s.catalog.mayHave(k)
}
