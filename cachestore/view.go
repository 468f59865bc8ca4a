package cachestore

import (
	"bytes"
	"errors"

	"github.com/cockroachdb/pebble/v2"

	"github.com/memsync/memsync/protocol"
)

// View is a consistent, read-only view of the cache: every read through it
// sees the same committed state (one Pebble snapshot), so a list is never
// cut short or mixed by a concurrent Apply. A View is valid only inside
// the function given to Store.View.
type View struct {
	r pebble.Reader
}

// View calls fn with a snapshot of the cache. Close waits for fn to
// return; a View requested after Close gets ErrClosed.
// INVARIANT 7: reads touch Pebble only, never the network.
func (s *Store) View(fn func(*View) error) error {
	release, err := s.acquire()
	if err != nil {
		return err
	}
	defer release()
	snap := s.db.NewSnapshot()
	defer snap.Close()
	return fn(&View{r: snap})
}

// State is the durable progress as of this view.
func (v *View) State() (State, error) {
	b, err := getFrom(v.r, metaKey("state"))
	if errors.Is(err, ErrNotFound) {
		return State{}, nil
	}
	if err != nil {
		return State{}, err
	}
	return decodeState(b)
}

// Data returns a cached entity's row JSON and version; ErrNotFound when
// the entity is not cached.
func (v *View) Data(e protocol.Entity, id string) ([]byte, uint64, error) {
	k := kindOf(e)
	data, err := getFrom(v.r, dataKey(k, id))
	if err != nil {
		return nil, 0, err
	}
	b, err := getFrom(v.r, catalogKey(k, id))
	if err != nil {
		return nil, 0, errors.Join(ErrCorrupt, err)
	}
	ent, err := decodeEntry(b)
	return data, ent.Version, err
}

// Cached reports whether an entity's data is in the cache.
func (v *View) Cached(e protocol.Entity, id string) (bool, error) {
	_, err := getFrom(v.r, dataKey(kindOf(e), id))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Recent calls fn with the cached episodes (id, start time, row), most
// recent first, until fn returns false.
func (v *View) Recent(fn func(id string, startTime int64, data []byte) (bool, error)) error {
	return v.scan(sortPrefix, func(k, _ []byte) (bool, error) {
		id, start := idFromSortKey(k), startFromSortKey(k)
		data, err := getFrom(v.r, dataKey(kindEpisode, id))
		if errors.Is(err, ErrNotFound) {
			return false, nil // past the window: the window is a prefix of s/
		}
		if err != nil {
			return false, err
		}
		return fn(id, start, data)
	})
}

// ScanData calls fn with every cached entity of a kind, in id order.
func (v *View) ScanData(e protocol.Entity, fn func(id string, data []byte) error) error {
	p := dataPrefix(kindOf(e))
	return v.scan(p, func(k, val []byte) (bool, error) {
		return true, fn(string(k[len(p):]), bytes.Clone(val))
	})
}

// Owned calls fn with the cached embeddings of an owner, in id order.
func (v *View) Owned(owner protocol.Entity, ownerID string, fn func(id string, data []byte) error) error {
	p := ownerPrefix(kindOf(owner), ownerID)
	return v.scan(p, func(k, _ []byte) (bool, error) {
		id := string(k[len(p):])
		data, err := getFrom(v.r, dataKey(kindEmbedding, id))
		if errors.Is(err, ErrNotFound) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		return true, fn(id, data)
	})
}

// Counts counts cached entities by scanning their data keys.
func (v *View) Counts() (Counts, error) {
	var c Counts
	for _, x := range []struct {
		k byte
		n *int
	}{{kindEpisode, &c.Episodes}, {kindPattern, &c.Patterns}, {kindEmbedding, &c.Embeddings}} {
		err := v.scan(dataPrefix(x.k), func(_, _ []byte) (bool, error) { *x.n++; return true, nil })
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

// scan iterates keys under prefix p until fn returns false or an error.
// fn gets a copy of the key and the iterator's value (valid during fn).
func (v *View) scan(p []byte, fn func(k, val []byte) (bool, error)) error {
	opts := &pebble.IterOptions{LowerBound: p}
	if p != nil {
		opts.UpperBound = prefixEnd(p)
	}
	it, err := v.r.NewIter(opts)
	if err != nil {
		return wrapErr(err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		more, err := fn(bytes.Clone(it.Key()), it.Value())
		if err != nil || !more {
			return err
		}
	}
	return wrapErr(it.Error())
}
