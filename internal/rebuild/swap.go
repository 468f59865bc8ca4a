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

func markComplete(staging string) error {
	return os.WriteFile(filepath.Join(staging, completeMarker), []byte(time.Now().UTC().Format(time.RFC3339)), 0o644)
}

func isComplete(staging string) bool {
	_, err := os.Stat(filepath.Join(staging, completeMarker))
	return err == nil
}

// swap moves the live cache aside (if any) and the complete staging cache in.
func swap(dir, reason string) (aside string, err error) {
	staging := stagingDir(dir)
	if _, err := os.Stat(dir); err == nil {
		aside = fmt.Sprintf("%s.aside-%d-%s", dir, time.Now().UnixNano(), sanitize(reason))
		if err := os.Rename(dir, aside); err != nil {
			return "", fmt.Errorf("rebuild: move %s aside: %w", dir, err)
		}
	}
	if err := os.Rename(staging, dir); err != nil {
		return aside, fmt.Errorf("rebuild: move %s into place: %w", staging, err)
	}
	_ = os.Remove(filepath.Join(dir, completeMarker))
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
	if err := os.Rename(dir, aside); err != nil {
		return "", fmt.Errorf("rebuild: move %s aside: %w", dir, err)
	}
	return aside, pruneAside(dir)
}
