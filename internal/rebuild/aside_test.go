package rebuild

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// asideFixture makes a live cache and set-aside caches of the given sizes
// (oldest first) next to it, and returns the live directory.
func asideFixture(t *testing.T, sizes ...int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cache")
	mkTree(t, dir, 1000)
	mkTree(t, stagingDir(dir), 1000)
	for i, n := range sizes {
		mkTree(t, asideDir(dir, "test", int64(1_700_000_000_000_000_000+i)), n)
	}
	return dir
}

func mkTree(t *testing.T, dir string, size int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	half := size / 2
	for name, n := range map[string]int{"a.sst": half, "sub/b.sst": size - half} {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// left lists which set-aside caches (by age index) remain.
func left(t *testing.T, dir string, n int) []int {
	t.Helper()
	var out []int
	for i := range n {
		if _, err := os.Stat(asideDir(dir, "test", int64(1_700_000_000_000_000_000+i))); err == nil {
			out = append(out, i)
		}
	}
	return out
}

// The set-aside caches are pruned, oldest first, to at most Keep of them and
// Bytes in total; the live and staging caches are never touched.
func TestPruneAsideKeepsTheBudget(t *testing.T) {
	cases := []struct {
		name   string
		sizes  []int
		budget AsideBudget
		want   []int
	}{
		{"default keeps the newest", []int{10, 10, 10}, DefaultAsideBudget(), []int{2}},
		{"count", []int{10, 10, 10, 10}, AsideBudget{Keep: 2, Bytes: 1 << 20}, []int{2, 3}},
		{"bytes drop the oldest first", []int{100, 100, 100}, AsideBudget{Keep: 3, Bytes: 250}, []int{1, 2}},
		{"bytes even when the oldest is small", []int{10, 300, 100}, AsideBudget{Keep: 3, Bytes: 150}, []int{2}},
		{"newest alone over the budget", []int{10, 500}, AsideBudget{Keep: 3, Bytes: 400}, nil},
		{"keep none", []int{10, 10}, AsideBudget{Keep: 0, Bytes: 1 << 20}, nil},
		{"within the budget", []int{10, 10}, AsideBudget{Keep: 5, Bytes: 20}, []int{0, 1}},
		{"nothing aside", nil, DefaultAsideBudget(), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := asideFixture(t, tc.sizes...)
			removed, err := pruneAside(dir, tc.budget)
			if err != nil {
				t.Fatal(err)
			}
			if got := left(t, dir, len(tc.sizes)); !slices.Equal(got, tc.want) {
				t.Fatalf("kept %v, want %v (removed %v)", got, tc.want, removed)
			}
			if len(removed) != len(tc.sizes)-len(tc.want) {
				t.Fatalf("reported %d removed, want %d", len(removed), len(tc.sizes)-len(tc.want))
			}
			for _, d := range []string{dir, stagingDir(dir)} {
				if n, err := treeSize(d); err != nil || n != 1000 {
					t.Fatalf("%s touched: %d bytes, %v", d, n, err)
				}
			}
		})
	}
}

// MoveAside (run --once's path) keeps one old cache by default; three were
// kept before issue 9.
func TestMoveAsideKeepsOneByDefault(t *testing.T) {
	dir := asideFixture(t, 10, 10, 10)
	aside, err := MoveAside(dir, "test-move")
	if err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(dir + ".aside-*")
	if len(matches) != 1 || matches[0] != aside {
		t.Fatalf("kept %v, want only %s", matches, aside)
	}
}

// A negative budget is refused with the values named.
func TestAsideBudgetRefusesNegative(t *testing.T) {
	for _, b := range []AsideBudget{{Keep: -1, Bytes: 1}, {Keep: 1, Bytes: -1}} {
		dir := asideFixture(t, 10)
		if _, err := MoveAsideWithin(dir, "x", b); err == nil || !errors.Is(err, ErrAsideBudget) {
			t.Fatalf("budget %+v: %v, want ErrAsideBudget", b, err)
		}
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("live cache moved despite a refused budget: %v", err)
		}
	}
}
