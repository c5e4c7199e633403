package archtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMakeFuzzListsEveryFuzzTest: `make fuzz` runs the fuzz tests named in
// the Makefile's FUZZ_TARGETS; one missing there would only ever run its
// seed corpus.
func TestMakeFuzzListsEveryFuzzTest(t *testing.T) {
	root := moduleRoot(t)
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	require.NoError(t, err)
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(f \*testing\.F\)`)
	var found []string
	walkTestFiles(t, root, func(rel string, src []byte) {
		for _, m := range fuzzFunc.FindAllSubmatch(src, -1) {
			found = append(found, filepath.ToSlash(rel)+":"+string(m[1]))
		}
	})
	require.GreaterOrEqual(t, len(found), 6, "issue 12 asks for fuzz tests in at least 6 packages")
	rel, err := os.ReadFile(filepath.Join(root, "docs", "reliability.md"))
	require.NoError(t, err)
	// The fuzzing table, not the whole page: FuzzHistory, named in the
	// restart row above it, had no row of its own and passed.
	_, table, ok := strings.Cut(string(rel), "\n## Fuzzing\n")
	require.True(t, ok, "docs/reliability.md has no Fuzzing section")
	for _, target := range found {
		require.Contains(t, string(mk), " "+target, "Makefile FUZZ_TARGETS lacks %s", target)
		_, fn, _ := strings.Cut(target, ":")
		require.Contains(t, table, "`"+fn+"`", "docs/reliability.md's fuzzing table lacks %s", fn)
	}
}

// walkTestFiles calls visit with the directory (relative to root) and the
// source of every _test.go file of the module, testdata and hidden
// directories left out.
func walkTestFiles(t *testing.T, root string, visit func(rel string, src []byte)) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		visit(rel, src)
		return nil
	})
	require.NoError(t, err)
}
