package rebuild

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// swapFixture is a live cache (holding "old") and a staging cache (holding
// "new") under a fresh root.
func swapFixture(t *testing.T) (root, dir string) {
	t.Helper()
	root = t.TempDir()
	dir = filepath.Join(root, "cache")
	for d, name := range map[string]string{dir: "old", stagingDir(dir): "new"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root, dir
}

// completeAndSwap is what finish does to the file system.
func completeAndSwap(dir string) error {
	if err := markComplete(stagingDir(dir)); err != nil {
		return err
	}
	_, err := swap(dir, "test")
	return err
}

func withFiles(t *testing.T, f fileOps) {
	t.Cleanup(func() { files = osFiles{} })
	files = f
}

// The marker is fsynced (file and directory) before the live cache is moved,
// and each rename is made durable by an fsync of the parent directory before
// the next step.
func TestSwapSyncsMarkerAndParent(t *testing.T) {
	root, dir := swapFixture(t)
	rec := &powerLoss{root: root, crashAt: -1}
	withFiles(t, rec)
	if err := completeAndSwap(dir); err != nil {
		t.Fatal(err)
	}
	marker := "cache.rebuild/" + completeMarker
	want := []string{
		"write " + marker, "sync " + marker, "sync cache.rebuild",
		"rename cache -> cache.aside", "sync .",
		"rename cache.rebuild -> cache", "sync .",
		"remove cache/" + completeMarker,
	}
	if !slices.Equal(rec.log, want) {
		t.Fatalf("swap did\n  %q\nwant\n  %q", rec.log, want)
	}
}

// A power loss at any step of a swap, followed by FinishSwap at the next
// start, leaves a live cache: the old one or the complete new one, never
// neither.
func TestPowerLossDuringSwapLeavesACache(t *testing.T) {
	root, dir := swapFixture(t)
	full := &powerLoss{root: root, crashAt: -1}
	withFiles(t, full)
	if err := completeAndSwap(dir); err != nil {
		t.Fatal(err)
	}
	for step := range len(full.log) + 1 {
		for _, keep := range []bool{false, true} {
			t.Run(fmt.Sprintf("before %d keep renames %v", step, keep), func(t *testing.T) {
				root, dir := swapFixture(t)
				p := &powerLoss{root: root, crashAt: step, keepRename: keep}
				files = p
				if err := completeAndSwap(dir); err != nil && !errors.Is(err, errPowerLoss) {
					t.Fatal(err)
				}
				if err := p.lose(); err != nil {
					t.Fatal(err)
				}
				files = osFiles{}
				if _, err := FinishSwap(dir); err != nil {
					t.Fatalf("FinishSwap after a power loss before %q: %v", at(full.log, step), err)
				}
				live := liveCache(dir)
				if live == "" {
					t.Fatalf("power loss before %q left neither cache", at(full.log, step))
				}
				if moved := slices.Index(full.log, "sync ."); moved >= 0 && step > moved && live != "new" {
					t.Fatalf("power loss before %q: old cache durably aside, but %q is live", at(full.log, step), live)
				}
			})
		}
	}
}

func at(log []string, i int) string {
	if i < len(log) {
		return log[i]
	}
	return "the end"
}

// liveCache names the cache in dir ("old" or "new"), "" if there is none.
func liveCache(dir string) string {
	for _, name := range []string{"old", "new"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return name
		}
	}
	return ""
}
