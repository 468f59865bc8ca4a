package archtest

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocsInvariantTableCitesRealCode: every file, function and test the
// invariant table of ARCHITECTURE.md names exists, so a newcomer following
// a row lands on real code. Citations: `dir/file.go`, `dir/file.go Name`
// (a function, method, type, var or const of that file), `pkg.TestName`
// (a test of the package whose directory is, or ends in, pkg) and a bare
// `TestName` (a test in integration/).
func TestDocsInvariantTableCitesRealCode(t *testing.T) {
	root := repoRoot(t)
	doc := readRepo(t, root, archDoc)
	rows := append(tableRows(section(t, doc, tableSection)), tableRows(section(t, doc, crossSection))...)
	tests := newTestIndex(t, root)
	cited := 0
	for _, row := range rows {
		for _, cell := range row[1:] {
			for _, m := range codeSpanRe.FindAllStringSubmatch(cell, -1) {
				if err := checkCitation(root, tests, m[1]); err != "" {
					t.Errorf("%s, row %s: `%s`: %s", archDoc, row[0], m[1], err)
				}
				cited++
			}
		}
	}
	if cited == 0 {
		t.Fatalf("%s: found no citations in the invariant table", archDoc)
	}
}

// checkCitation returns why a code span does not name real code ("" when
// it does, or when it is not a citation of a file or a test).
func checkCitation(root string, tests *testIndex, span string) string {
	if m := pathRe.FindStringSubmatch(span); m != nil {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m[1])))
		if err != nil {
			return "no such file"
		}
		if m[2] != "" && !declares(string(b), m[2]) {
			return "the file declares no " + m[2]
		}
		return ""
	}
	if m := testRe.FindStringSubmatch(span); m != nil {
		return tests.check(m[1], m[2])
	}
	return ""
}

// declares reports whether Go source src declares name at top level (or
// as a method).
func declares(src, name string) bool {
	q := regexp.QuoteMeta(name)
	re := regexp.MustCompile(`(?m)^(?:func (?:\([^)]*\) )?` + q + `[\[(]|(?:var|const|type) ` + q + `\b|\t` + q + `\s+[^=\n]*=)`)
	return re.MatchString(src)
}

// testIndex maps every directory with tests to its test sources.
type testIndex struct{ dirs map[string]string }

func newTestIndex(t *testing.T, root string) *testIndex {
	idx := &testIndex{dirs: map[string]string{}}
	for _, rel := range repoFiles(t, root, ".go") {
		if strings.HasSuffix(rel, "_test.go") {
			idx.dirs[path.Dir(rel)] += readRepo(t, root, rel)
		}
	}
	return idx
}

// check finds test name in the package named by qualifier (a directory
// path or its last element; "" is integration/).
func (x *testIndex) check(qualifier, name string) string {
	dirs := []string{"integration"}
	if qualifier != "" {
		dirs = nil
		for d := range x.dirs {
			if d == qualifier || path.Base(d) == qualifier {
				dirs = append(dirs, d)
			}
		}
	}
	switch {
	case len(dirs) == 0:
		return "no package " + qualifier + " with tests"
	case len(dirs) > 1:
		return "package " + qualifier + " is ambiguous: " + strings.Join(dirs, ", ")
	}
	if !regexp.MustCompile(`(?m)^func ` + name + `\(`).MatchString(x.dirs[dirs[0]]) {
		return "no test " + name + " in " + dirs[0] + "/"
	}
	return ""
}
