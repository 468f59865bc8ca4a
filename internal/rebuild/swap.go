package rebuild

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const completeMarker = "MEMSYNC-REBUILD-COMPLETE"

func stagingDir(dir string) string { return dir + ".rebuild" }

// markComplete writes the marker that lets FinishSwap finish an
// interrupted swap. INVARIANT 9.3 (swap durability): the marker and its
// directory entry are fsynced before the live cache is moved, so a power
// loss after that move still finds a complete staging cache.
func markComplete(staging string) error {
	marker := filepath.Join(staging, completeMarker)
	if err := files.writeFile(marker, []byte(time.Now().UTC().Format(time.RFC3339))); err != nil {
		return err
	}
	if err := files.sync(marker); err != nil {
		return fmt.Errorf("rebuild: fsync %s: %w", marker, err)
	}
	return syncDir(staging)
}

func syncDir(dir string) error {
	if err := files.sync(dir); err != nil {
		return fmt.Errorf("rebuild: fsync directory %s: %w", dir, err)
	}
	return nil
}

// renameDurably renames within one parent directory and fsyncs it, so at
// most one rename of a swap is ever in flight at a power loss.
func renameDurably(from, to, what string) error {
	if err := files.rename(from, to); err != nil {
		return fmt.Errorf("rebuild: move %s %s: %w", from, what, err)
	}
	return syncDir(filepath.Dir(to))
}

func isComplete(staging string) bool {
	_, err := os.Stat(filepath.Join(staging, completeMarker))
	return err == nil
}

// swap moves the live cache aside (if any) and the complete staging cache
// in. INVARIANT 9.3 (swap durability): each step is durable before the next one
// starts: marker (markComplete), live -> aside, staging -> live, each rename
// followed by an fsync of the parent directory. Whatever step a power loss
// interrupts, the old cache is live or FinishSwap completes the new one.
// The caller prunes the set-aside caches to its budget (pruneAside).
func swap(dir, reason string) (aside string, err error) {
	staging := stagingDir(dir)
	if _, err := os.Stat(dir); err == nil {
		aside = asideDir(dir, reason, time.Now().UnixNano())
		if err := renameDurably(dir, aside, "aside"); err != nil {
			return "", err
		}
	}
	if err := renameDurably(staging, dir, "into place"); err != nil {
		return aside, err
	}
	_ = files.remove(filepath.Join(dir, completeMarker)) // a leftover marker in the live cache is harmless
	return aside, nil
}

// FinishSwap completes a swap interrupted between its two renames. It
// deletes no old cache: the next rebuild prunes them to its budget.
func FinishSwap(dir string) (bool, error) {
	if _, err := os.Stat(dir); err == nil || !isComplete(stagingDir(dir)) {
		return false, nil
	}
	_, err := swap(dir, "interrupted")
	return err == nil, err
}

func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(s))
	return s[:min(len(s), 32)]
}

// MoveAside moves a cache that cannot be used as it is out of the way (kept
// for inspection within DefaultAsideBudget) so a fresh one can be built in
// place.
func MoveAside(dir, reason string) (string, error) {
	return MoveAsideWithin(dir, reason, DefaultAsideBudget())
}

// MoveAsideWithin is MoveAside with the set-aside caches pruned to b.
func MoveAsideWithin(dir, reason string, b AsideBudget) (string, error) {
	if err := b.Check(); err != nil {
		return "", err
	}
	aside := asideDir(dir, reason, time.Now().UnixNano())
	if err := renameDurably(dir, aside, "aside"); err != nil {
		return "", err
	}
	if _, err := pruneAside(dir, b); err != nil {
		return aside, err
	}
	if _, err := os.Stat(aside); err != nil {
		aside = "" // the budget keeps no copy of it
	}
	return aside, nil
}
