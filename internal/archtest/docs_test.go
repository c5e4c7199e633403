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

// TestREADMENamesEveryTestDep: README's `make test-deps` row names what
// each script of the Makefile's test-deps target installs. It left out
// VictoriaMetrics, whose end-to-end tests then failed on a machine that
// had only what the README lists.
func TestREADMENamesEveryTestDep(t *testing.T) {
	root := moduleRoot(t)
	installs := map[string][]string{
		"ensure-test-deps.sh":       {"`prometheus`", "`promtool`", "`prometheus-alertmanager`", "`amtool`", "Helm v4"},
		"ensure-victoriametrics.sh": {"VictoriaMetrics"},
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	require.NoError(t, err)
	target := regexp.MustCompile(`(?m)^test-deps:\n((?:\t.*\n)+)`).FindSubmatch(mk)
	require.NotNil(t, target, "Makefile has no test-deps target")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `make test-deps` \\|.*$").Find(readme)
	require.NotNil(t, row, "README.md has no make test-deps row")
	scripts := regexp.MustCompile(`scripts/(ensure-[\w-]+\.sh)`).FindAllSubmatch(target[1], -1)
	require.NotEmpty(t, scripts)
	for _, m := range scripts {
		names, ok := installs[string(m[1])]
		require.True(t, ok, "test-deps runs %s: add what it installs here and to README's make test-deps row", m[1])
		for _, n := range names {
			require.Contains(t, string(row), n, "README's make test-deps row does not name %s (%s)", n, m[1])
		}
	}
}
