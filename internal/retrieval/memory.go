package retrieval

// mapEntryBytes estimates what one entry of a Go map with slotBytes of key
// and value costs: the slot at a 7/8 load factor, plus a control byte.
func mapEntryBytes(slotBytes int) int64 {
	return int64(slotBytes)*8/7 + 1
}

// stringBytes is a string header plus its bytes.
func stringBytes(s string) int64 { return 16 + int64(len(s)) }
