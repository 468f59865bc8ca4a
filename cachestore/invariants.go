package cachestore

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// checkInvariants verifies the window and no-orphan rules on the committed
// store: what the model tests sample, checked after every Apply when built
// with -tags invariants (pebble's internal/invariants does the same):
//
//   - the cached episodes are exactly the first State.Count known ones and
//     State.Boundary is the last of them; Count <= MaxEpisodes; a window
//     with room has nothing known after it and no horizon (INVARIANT 5);
//   - State.Known is the number of known episodes;
//   - every cached embedding is known live and its owner is cached, and
//     every live embedding of a cached owner is cached (no orphans, none
//     missing);
//   - the floor never exceeds the applied checkpoint (INVARIANT 4.1);
//   - the key filters have every catalog key and every owner of an
//     owner-index entry (INVARIANT 5.4, key filters).
func (s *Store) checkInvariants() error {
	snap := s.db.NewSnapshot()
	defer snap.Close()
	st := s.State()
	if st.Floor > st.AppliedVersion {
		return fmt.Errorf("floor %d above the applied checkpoint %d", st.Floor, st.AppliedVersion)
	}
	if err := s.checkWindow(snap, st); err != nil {
		return err
	}
	if err := s.checkFilters(snap); err != nil {
		return err
	}
	return s.checkOwned(snap)
}

// checkFilters: no key on disk that a key filter says was never written.
func (s *Store) checkFilters(r pebble.Reader) error {
	if s.catalog == nil {
		return nil
	}
	for _, f := range []struct {
		name   string
		filter *keyFilter
		root   string
		part   func([]byte) []byte
	}{{"catalog", s.catalog, "c/", func(k []byte) []byte { return k }}, {"owner", s.owners, "o/", ownerPart}} {
		keys, err := keysUnder(r, []byte(f.root))
		if err != nil {
			return err
		}
		for _, k := range keys {
			if p := f.part(k); p != nil && !f.filter.mayHave(p) {
				return fmt.Errorf("%s filter says %q was never written, and it is there", f.name, p)
			}
		}
	}
	return nil
}

func (s *Store) checkWindow(r pebble.Reader, st State) error {
	keys, err := keysUnder(r, sortPrefix)
	if err != nil {
		return err
	}
	if len(keys) != st.Known {
		return fmt.Errorf("state knows %d episodes, %d sort keys", st.Known, len(keys))
	}
	max := s.opts.MaxEpisodes
	if max > 0 && st.Count > max {
		return fmt.Errorf("%d episodes cached, window %d", st.Count, max)
	}
	for i, k := range keys {
		cached, err := present(r, dataKey(kindEpisode, idFromSortKey(k)))
		if err != nil {
			return err
		}
		if cached != (i < st.Count) {
			return fmt.Errorf("episode %q at rank %d cached=%v, window count %d", idFromSortKey(k), i, cached, st.Count)
		}
		if i == st.Count-1 && !bytes.Equal(k, st.Boundary) {
			return fmt.Errorf("boundary %q, last cached %q", st.Boundary, k)
		}
	}
	if max > 0 && st.Count < max && (len(keys) > st.Count || st.Horizon != nil) {
		return fmt.Errorf("window has room (%d of %d) with %d known and horizon %q", st.Count, max, len(keys), st.Horizon)
	}
	return nil
}

func (s *Store) checkOwned(r pebble.Reader) error {
	p := catalogPrefix(kindEmbedding)
	keys, err := keysUnder(r, p)
	if err != nil {
		return err
	}
	for _, k := range keys {
		id := string(k[len(p):])
		b, err := getFrom(r, k)
		if err != nil {
			return err
		}
		e, err := decodeEntry(b)
		if err != nil {
			return err
		}
		cached, err := present(r, dataKey(kindEmbedding, id))
		if err != nil {
			return err
		}
		ownerCached := false
		if e.live() && e.OwnerKind != 0 && !(e.OwnerKind == kindPattern && s.opts.NoPatterns) {
			if ownerCached, err = present(r, dataKey(e.OwnerKind, e.OwnerID)); err != nil {
				return err
			}
		}
		if want := ownerCached && !s.opts.NoEmbeddings; cached != want {
			return fmt.Errorf("embedding %q (owner %c %q, live %v) cached=%v, owner cached=%v", id, e.OwnerKind, e.OwnerID, e.live(), cached, ownerCached)
		}
	}
	return nil
}

func keysUnder(r pebble.Reader, p []byte) ([][]byte, error) {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return nil, wrapErr(err)
	}
	defer it.Close()
	return collectKeys(it)
}

// collectKeys copies out every key of a bounded iterator, from its first.
func collectKeys(it *pebble.Iterator) ([][]byte, error) {
	var out [][]byte
	for ok := it.First(); ok; ok = it.Next() {
		out = append(out, bytes.Clone(it.Key()))
	}
	return out, wrapErr(it.Error())
}

func present(r pebble.Reader, k []byte) (bool, error) {
	_, err := getFrom(r, k)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return false, err
}

// checkOwnerCached (with -tags invariants) compares ownerCached's answer,
// taken from the catalog and the window, with the owner's data in the
// batch's view: they differ only if the window rule is broken mid-batch.
func (a *applier) checkOwnerCached(kind byte, id string, cached bool) error {
	has, err := a.has(dataKey(kind, id))
	if err == nil && has != cached {
		panic(fmt.Sprintf("cachestore: owner %c %q: cached by the window %v, has data %v (boundary %q)", kind, id, cached, has, a.st.Boundary))
	}
	return err
}
