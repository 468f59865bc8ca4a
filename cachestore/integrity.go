package cachestore

import (
	"fmt"
	"time"
)

// ScanStats is what the integrity scan on Open read: it visits every live
// key, so its cost follows the size of the catalog (collected tombstones
// included, see gc.go) and of the cached data.
type ScanStats struct {
	Keys  int           // keys visited
	Bytes int64         // key and value bytes read
	Took  time.Duration // wall time of the scan
}

// IntegrityScan reports what the integrity scan on Open read (zero when
// Options.SkipVerify was set).
func (s *Store) IntegrityScan() ScanStats { return s.scan }

// verify reads every key and value, so every block's checksum is checked.
func (s *Store) verify() error {
	v := &View{r: s.db}
	start := time.Now()
	var st ScanStats
	err := v.scan(nil, func(k, val []byte) (bool, error) {
		st.Keys++
		st.Bytes += int64(len(k) + len(val))
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("%w: integrity scan of %s: %v", ErrCorrupt, s.dir, err)
	}
	st.Took = time.Since(start)
	s.scan = st
	return nil
}
