package retrieval

// interner maps the metadata values filters compare (domain, task type,
// language) to small ids, reference-counted so values that leave the cache
// leave the table. Id 0 is the empty value and is never stored.
type interner struct {
	ids  map[string]int32
	vals []string // id -> value
	refs []int32  // id -> references
	free []int32
}

// acquire returns the id of v (creating it) and takes a reference.
func (t *interner) acquire(v []byte) int32 {
	if len(v) == 0 {
		return 0
	}
	if id, ok := t.ids[string(v)]; ok {
		t.refs[id]++
		return id
	}
	if t.ids == nil {
		t.ids = map[string]int32{}
		t.vals, t.refs = []string{""}, []int32{0}
	}
	s := string(v)
	var id int32
	if n := len(t.free); n > 0 {
		id, t.free = t.free[n-1], t.free[:n-1]
		t.vals[id], t.refs[id] = s, 1
	} else {
		id = int32(len(t.vals))
		t.vals, t.refs = append(t.vals, s), append(t.refs, 1)
	}
	t.ids[s] = id
	return id
}

// release drops a reference taken by acquire.
func (t *interner) release(id int32) {
	if id == 0 {
		return
	}
	if t.refs[id]--; t.refs[id] == 0 {
		delete(t.ids, t.vals[id])
		t.vals[id] = ""
		t.free = append(t.free, id)
	}
}

// lookup returns the id of v without a reference: 0 for "", -1 when no
// cached entity has the value.
func (t *interner) lookup(v string) int32 {
	if v == "" {
		return 0
	}
	if id, ok := t.ids[v]; ok {
		return id
	}
	return -1
}

func (t *interner) approxBytes() int64 {
	n := int64(cap(t.vals))*16 + int64(cap(t.refs))*4 + int64(cap(t.free))*4
	for _, v := range t.vals {
		n += int64(len(v)) + mapEntryBytes(16+4)
	}
	return n
}
