package cachestore

import (
	"context"
	"fmt"
	"time"
)

// ScanStats is what the integrity scan read: it visits every live key, so
// its cost follows the size of the catalog (collected tombstones included,
// see gc.go) and of the cached data.
type ScanStats struct {
	Keys  int           // keys visited
	Bytes int64         // key and value bytes read
	Took  time.Duration // wall time of the scan
}

// IntegrityScan reports what the last integrity scan read: Open's, or the
// last Verify's (zero when neither ran).
func (s *Store) IntegrityScan() ScanStats {
	if st := s.scan.Load(); st != nil {
		return *st
	}
	return ScanStats{}
}

// Verify runs the integrity scan on the open store: every key and value is
// read, so every block's checksum is checked. A store opened with
// Options.SkipVerify (the supervisor's, so that the worker starts at once)
// is verified this way while it serves and applies: Pebble checks each
// block it reads, so until the scan is done a damaged block fails the read
// that meets it (ErrCorrupt) and is never served. It returns ErrCorrupt on
// damage, ctx's error when ctx ends first, ErrClosed after Close.
// INVARIANT 9: a corrupt cache is found and rebuilt, never patched.
func (s *Store) Verify(ctx context.Context) error {
	release, err := s.acquire()
	if err != nil {
		return err
	}
	defer release()
	return s.verify(ctx)
}

// verifyCheckEvery is how many keys the scan reads between looks at ctx.
const verifyCheckEvery = 4096

func (s *Store) verify(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v := &View{r: s.db}
	start := time.Now()
	var st ScanStats
	err := v.scan(nil, func(k, val []byte) (bool, error) {
		st.Keys++
		st.Bytes += int64(len(k) + len(val))
		if st.Keys%verifyCheckEvery == 0 {
			return true, ctx.Err()
		}
		return true, nil
	})
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("%w: integrity scan of %s: %v", ErrCorrupt, s.dir, err)
	}
	st.Took = time.Since(start)
	s.scan.Store(&st)
	return nil
}
