package rebuild

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// KeepAside is how many set-aside cache directories are kept by default.
const KeepAside = 1

// DefaultKeepAsideBytes is the default disk budget of the set-aside caches.
const DefaultKeepAsideBytes int64 = 4 << 30

// AsideBudget bounds the old caches a rebuild keeps aside for inspection
// (<dir>.aside-<unix-nano>-<reason>): at most Keep of them and at most Bytes
// on disk in total. The oldest are deleted first until both hold, so a
// cache larger than Bytes is not kept at all. Keep 0 or Bytes 0 keeps none.
type AsideBudget struct {
	Keep  int
	Bytes int64
}

// DefaultAsideBudget is one cache, at most DefaultKeepAsideBytes.
func DefaultAsideBudget() AsideBudget {
	return AsideBudget{Keep: KeepAside, Bytes: DefaultKeepAsideBytes}
}

// Check refuses a negative budget.
func (b AsideBudget) Check() error {
	if b.Keep < 0 || b.Bytes < 0 {
		return fmt.Errorf("%w: keep %d caches, %d bytes", ErrAsideBudget, b.Keep, b.Bytes)
	}
	return nil
}

// asideDir names where the live cache dir is moved for reason.
func asideDir(dir, reason string, nanos int64) string {
	return fmt.Sprintf("%s.aside-%d-%s", dir, nanos, sanitize(reason))
}

// pruneAside deletes set-aside caches of dir, oldest first, until at most
// b.Keep remain and they hold at most b.Bytes, and returns what it deleted.
// INVARIANT 9.1 (aside budget): only <dir>.aside-* directories are deleted;
// the live cache dir and the staging cache are never touched.
func pruneAside(dir string, b AsideBudget) (removed []string, err error) {
	if err := b.Check(); err != nil {
		return nil, err
	}
	aside, sizes, total, err := listAside(dir)
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(aside) && (len(aside)-i > b.Keep || total > b.Bytes); i++ {
		if err := os.RemoveAll(aside[i]); err != nil {
			return removed, fmt.Errorf("rebuild: delete old cache %s: %w", aside[i], err)
		}
		removed, total = append(removed, aside[i]), total-sizes[i]
	}
	return removed, nil
}

// listAside returns dir's set-aside caches oldest first (the names carry a
// unix-nano timestamp of fixed width), their sizes and the total.
func listAside(dir string) (aside []string, sizes []int64, total int64, err error) {
	matches, err := filepath.Glob(dir + ".aside-*")
	if err != nil {
		return nil, nil, 0, err
	}
	sort.Strings(matches)
	for _, m := range matches {
		if m == dir || m == stagingDir(dir) {
			continue
		}
		n, err := treeSize(m)
		if err != nil {
			return nil, nil, 0, err
		}
		aside, sizes, total = append(aside, m), append(sizes, n), total+n
	}
	return aside, sizes, total, nil
}

// treeSize is the size of the files under root.
func treeSize(root string) (int64, error) {
	var n int64
	err := filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("rebuild: size of old cache %s: %w", root, err)
	}
	return n, nil
}
