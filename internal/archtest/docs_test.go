package archtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The documents a newcomer reads must be in the repository and agree with
// the code: docs/design.md states the numbered invariants, ARCHITECTURE.md
// names for each number where it is enforced and which test shows it, and
// the code's `// INVARIANT N` comments use the same numbers.

const (
	designDoc = "docs/design.md"
	archDoc   = "ARCHITECTURE.md"
	// the invariant table and the table of tests across invariants
	tableSection = "## Invariants and where they are enforced"
	crossSection = "## Tests across invariants"
)

// Documents that a clone does not contain, spelled in two pieces so that
// this file does not cite them itself.
var outsideDocs = regexp.MustCompile(`\b` + "DESI" + `GN\b|` + "PRIOR" + `-ART`)

var (
	numberRe   = `\d+(?:\.\d+)?`
	commentRe  = regexp.MustCompile(`INVARIANT\s+(` + numberRe + `(?:\s*(?:/|,|and)\s*` + numberRe + `)*)`)
	numberOnly = regexp.MustCompile(`^` + numberRe + `$`)
	headingRe  = regexp.MustCompile(`(?m)^#{3,4} (` + numberRe + `)\.? `)
	pathRe     = regexp.MustCompile(`^([\w./-]+\.(?:go|conf|golden|yml))(?: (\w+))?$`)
	testRe     = regexp.MustCompile(`^(?:([\w/]+)\.)?((?:Test|Fuzz|Benchmark)\w+)(?:/.*)?$`)
	codeSpanRe = regexp.MustCompile("`([^`]+)`")
)

// repoRoot is the directory holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if dir == filepath.Dir(dir) {
			t.Fatal("no go.mod above the test directory")
		}
	}
}

// repoFiles returns the repository's files (relative, slash-separated)
// ending in one of exts, skipping hidden directories.
func repoFiles(t *testing.T, root string, exts ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() && slices.Contains(exts, filepath.Ext(p)) {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readRepo(t *testing.T, root, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Error(err)
	}
	return string(b)
}

// commentNumbers returns the invariant numbers one line cites.
func commentNumbers(line string) []string {
	var out []string
	for _, m := range commentRe.FindAllStringSubmatch(line, -1) {
		out = append(out, regexp.MustCompile(numberRe).FindAllString(m[1], -1)...)
	}
	return out
}

// section returns the text of doc from the heading to the next "## ".
func section(t *testing.T, doc, heading string) string {
	t.Helper()
	i := strings.Index(doc, heading+"\n")
	if i < 0 {
		t.Errorf("%s: no section %q", archDoc, heading)
		return ""
	}
	rest := doc[i+len(heading):]
	if j := strings.Index(rest, "\n## "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// tableRows returns the cells of each body row of the markdown tables in s.
func tableRows(s string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	if len(rows) > 0 {
		rows = rows[1:] // the header; the |---| line does not start with "| "
	}
	return rows
}

func TestDocsCiteOnlyTheRepository(t *testing.T) {
	root := repoRoot(t)
	if _, err := os.Stat(filepath.Join(root, designDoc)); err != nil {
		t.Errorf("the design document is missing: %v", err)
	}
	for _, rel := range repoFiles(t, root, ".go", ".md") {
		for n, line := range strings.Split(readRepo(t, root, rel), "\n") {
			if m := outsideDocs.FindString(line); m != "" {
				t.Errorf("%s:%d cites %q, which a clone does not contain; cite %s instead: %s",
					rel, n+1, m, designDoc, strings.TrimSpace(line))
			}
		}
	}
}

func TestDocsCommentNumbers(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
	}{
		{"// INVARIANT 3: acknowledge only after", []string{"3"}},
		{"// INVARIANT 4/6: a stashed body", []string{"4", "6"}},
		{"// INVARIANT 1 and 6: every change", []string{"1", "6"}},
		{"// INVARIANT 2 and 8: the whole batch", []string{"2", "8"}},
		{"// entity (INVARIANT 4). Kept forever", []string{"4"}},
		{"// INVARIANT 9.3 (swap durability): the marker", []string{"9.3"}},
		{"// INVARIANT 5 (horizon): a forgotten episode", []string{"5"}},
		{"// INVARIANT (uninstall): only the objects", nil},
		{"// INVARIANT: never prune above the checkpoint.", nil},
	} {
		if got := commentNumbers(c.line); !slices.Equal(got, c.want) {
			t.Errorf("commentNumbers(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

// TestDocsInvariantNumbers: one number per invariant, the same in the code,
// the table and the design document.
func TestDocsInvariantNumbers(t *testing.T) {
	root := repoRoot(t)
	table := map[string]bool{}
	for _, row := range tableRows(section(t, readRepo(t, root, archDoc), tableSection)) {
		id := row[0]
		switch {
		case !numberOnly.MatchString(id):
			t.Errorf("%s: invariant row %q: the first cell must be one number (N or N.M)", archDoc, id)
		case table[id]:
			t.Errorf("%s: invariant %s has two rows; number each invariant once", archDoc, id)
		}
		table[id] = true
	}
	design := map[string]bool{}
	for _, m := range headingRe.FindAllStringSubmatch(readRepo(t, root, designDoc), -1) {
		if design[m[1]] {
			t.Errorf("%s: invariant %s has two sections", designDoc, m[1])
		}
		design[m[1]] = true
	}
	for id := range table {
		if !design[id] {
			t.Errorf("invariant %s has a row in %s but no section in %s", id, archDoc, designDoc)
		}
		if parent, _, sub := strings.Cut(id, "."); sub && !table[parent] {
			t.Errorf("invariant %s refines %s, which has no row in %s", id, parent, archDoc)
		}
	}
	for id := range design {
		if !table[id] {
			t.Errorf("invariant %s has a section in %s but no row in %s", id, designDoc, archDoc)
		}
	}
	for _, rel := range repoFiles(t, root, ".go") {
		if strings.HasPrefix(rel, "internal/archtest/") {
			continue // this package's examples
		}
		for n, line := range strings.Split(readRepo(t, root, rel), "\n") {
			for _, id := range commentNumbers(line) {
				if !table[id] || !design[id] {
					t.Errorf("%s:%d: INVARIANT %s has no row in %s or no section in %s", rel, n+1, id, archDoc, designDoc)
				}
			}
		}
	}
}
