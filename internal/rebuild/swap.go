package rebuild

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// KeepAside is how many set-aside cache directories are kept.
const KeepAside = 3

const completeMarker = "MEMSYNC-REBUILD-COMPLETE"

func stagingDir(dir string) string { return dir + ".rebuild" }

// markComplete writes the marker that lets FinishSwap finish an
// interrupted swap. INVARIANT (swap durability): the marker and its
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
// in. INVARIANT (swap durability): each step is durable before the next one
// starts: marker (markComplete), live -> aside, staging -> live, each rename
// followed by an fsync of the parent directory. Whatever step a power loss
// interrupts, the old cache is live or FinishSwap completes the new one.
func swap(dir, reason string) (aside string, err error) {
	staging := stagingDir(dir)
	if _, err := os.Stat(dir); err == nil {
		aside = fmt.Sprintf("%s.aside-%d-%s", dir, time.Now().UnixNano(), sanitize(reason))
		if err := renameDurably(dir, aside, "aside"); err != nil {
			return "", err
		}
	}
	if err := renameDurably(staging, dir, "into place"); err != nil {
		return aside, err
	}
	_ = files.remove(filepath.Join(dir, completeMarker)) // a leftover marker in the live cache is harmless
	return aside, pruneAside(dir)
}

// FinishSwap completes a swap interrupted between its two renames.
func FinishSwap(dir string) (bool, error) {
	if _, err := os.Stat(dir); err == nil || !isComplete(stagingDir(dir)) {
		return false, nil
	}
	_, err := swap(dir, "interrupted")
	return err == nil, err
}

func pruneAside(dir string) error {
	matches, err := filepath.Glob(dir + ".aside-*")
	if err != nil || len(matches) <= KeepAside {
		return err
	}
	sort.Strings(matches) // unix-nano timestamps: oldest first
	for _, m := range matches[:len(matches)-KeepAside] {
		if err := os.RemoveAll(m); err != nil {
			return err
		}
	}
	return nil
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
// for inspection, at most KeepAside) so a fresh one can be built in place.
func MoveAside(dir, reason string) (string, error) {
	aside := fmt.Sprintf("%s.aside-%d-%s", dir, time.Now().UnixNano(), sanitize(reason))
	if err := renameDurably(dir, aside, "aside"); err != nil {
		return "", err
	}
	return aside, pruneAside(dir)
}
