package retrieval

import "slices"

// hashSet returns the distinct values of hs, sorted, in a new slice (nil
// when empty). hs is sorted in place.
func hashSet(hs []uint64) []uint64 {
	if len(hs) == 0 {
		return nil
	}
	slices.Sort(hs)
	hs = slices.Compact(hs)
	return slices.Clone(hs)
}

// hashSetHas reports whether the sorted set s holds h.
func hashSetHas(s []uint64, h uint64) bool {
	_, ok := slices.BinarySearch(s, h)
	return ok
}

// queryHashes returns the distinct hashes of the query tokens.
func queryHashes(terms []string) []uint64 {
	hs := make([]uint64, 0, len(terms))
	for _, t := range terms {
		hs = append(hs, hashToken([]byte(t)))
	}
	return hashSet(hs)
}
