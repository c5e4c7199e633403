package archtest

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDocsNameRealTests: every test, fuzz test and benchmark the README,
// docs/*.md and the CHANGELOG name (docs/reliability.md names the test
// behind each fault) exists, so a renamed or merged test cannot leave a
// reference to nothing behind. A subtest (Name/case) counts by its
// top-level function.
func TestDocsNameRealTests(t *testing.T) {
	root := moduleRoot(t)
	funcs := map[string]bool{}
	def := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark)\w+)\(`)
	walkTestFiles(t, root, func(_ string, src []byte) {
		for _, m := range def.FindAllSubmatch(src, -1) {
			funcs[string(m[1])] = true
		}
	})
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	docs = append(docs, filepath.Join(root, "README.md"), filepath.Join(root, "CHANGELOG.md"))
	// FuzzXxx is the docs' placeholder for "a fuzz test".
	ref := regexp.MustCompile("`((?:Test|Fuzz|Benchmark)[A-Z]\\w*)")
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		require.NoError(t, err)
		for _, m := range ref.FindAllSubmatch(b, -1) {
			name := string(m[1])
			require.True(t, funcs[name] || name == "FuzzXxx", "%s names %s, which no _test.go defines", filepath.Base(doc), name)
		}
	}
}
