package archtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

// TestREADMENamesEveryTestDep: docs/development.md's `make test-deps` row names what
// each script of the Makefile's test-deps target installs. It left out
// VictoriaMetrics, whose end-to-end tests then failed on a machine that
// had only what the README listed.
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
	readme, err := os.ReadFile(filepath.Join(root, "docs", "development.md"))
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `make test-deps` \\|.*$").Find(readme)
	require.NotNil(t, row, "docs/development.md has no make test-deps row")
	scripts := regexp.MustCompile(`scripts/(ensure-[\w-]+\.sh)`).FindAllSubmatch(target[1], -1)
	require.NotEmpty(t, scripts)
	for _, m := range scripts {
		names, ok := installs[string(m[1])]
		require.True(t, ok, "test-deps runs %s: add what it installs here and to docs/development.md's make test-deps row", m[1])
		for _, n := range names {
			require.Contains(t, string(row), n, "docs/development.md's make test-deps row does not name %s (%s)", n, m[1])
		}
	}
}

// TestDocsNameRealSubtests: a subtest the docs name (`TestX/case_name`)
// is one of TestX's cases: its name, with the underscores go test puts for
// spaces, is a string of the test files. TestDocsNameRealTests checks only
// the top-level function, so a renamed case stayed cited.
func TestDocsNameRealSubtests(t *testing.T) {
	root := moduleRoot(t)
	var src strings.Builder
	walkTestFiles(t, root, func(_ string, b []byte) { src.Write(b) })
	tests := src.String()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	docs = append(docs, filepath.Join(root, "README.md"), filepath.Join(root, "CHANGELOG.md"))
	ref := regexp.MustCompile("`(?:Test|Fuzz)[A-Z]\\w*/([^`\\s]+)`")
	found := 0
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		require.NoError(t, err)
		for _, m := range ref.FindAllSubmatch(b, -1) {
			found++
			name := string(m[1])
			spaced := `"` + strings.ReplaceAll(name, "_", " ") + `"`
			// Each underscore a space go test replaced, or one of the name
			// ("pid file with HOST_PROC but no HOST_ROOT").
			either := regexp.MustCompile(`"` + strings.ReplaceAll(regexp.QuoteMeta(name), "_", "[ _]") + `"`)
			require.True(t, either.MatchString(tests),
				"%s names the subtest %s, which no test file names (%s)", filepath.Base(doc), m[0], spaced)
		}
	}
	require.NotZero(t, found, "no subtest found in the docs: is the pattern still right?")
}

// helperTargets are the Makefile's targets that other targets run and
// docs/development.md's table need not list.
var helperTargets = map[string]bool{"all": true, "vet": true, "style": true, "unused": true, "golangci": true, "check-data": true}

// TestREADMEListsEveryMakeTarget: docs/development.md's table has a row
// for every target of the Makefile (the helpers above aside), and each of
// its rows names a target the Makefile has.
func TestREADMEListsEveryMakeTarget(t *testing.T) {
	root := moduleRoot(t)
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	require.NoError(t, err)
	targets := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([a-z][a-z0-9-]*):(?:[^=]|$)`).FindAllSubmatch(mk, -1) {
		targets[string(m[1])] = true
	}
	require.True(t, targets["build"] && targets["bench-probes"], "Makefile targets not read: %v", targets)
	readme, err := os.ReadFile(filepath.Join(root, "docs", "development.md"))
	require.NoError(t, err)
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `make ([a-z][a-z0-9-]*)[^`]*` \\|").FindAllSubmatch(readme, -1) {
		rows[string(m[1])] = true
		require.True(t, targets[string(m[1])], "docs/development.md's table has a row for make %s, which the Makefile does not define", m[1])
	}
	for target := range targets {
		require.True(t, rows[target] || helperTargets[target], "docs/development.md's table has no row for make %s", target)
	}
}

// TestREADMEListsEveryDependency: docs/development.md's Dependencies table has a row,
// saying why, for every module go.mod requires directly, and no row for
// one it does not.
func TestREADMEListsEveryDependency(t *testing.T) {
	root := moduleRoot(t)
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	direct := map[string]bool{}
	for _, block := range regexp.MustCompile(`(?s)\nrequire \((.*?)\n\)`).FindAllSubmatch(mod, -1) {
		for line := range strings.SplitSeq(string(block[1]), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && !strings.Contains(line, "// indirect") {
				direct[f[0]] = true
			}
		}
	}
	require.Contains(t, direct, "github.com/prometheus/prometheus", "go.mod's requirements not read")
	readme, err := os.ReadFile(filepath.Join(root, "docs", "development.md"))
	require.NoError(t, err)
	_, deps, ok := strings.Cut(string(readme), "\n## Dependencies\n")
	require.True(t, ok, "docs/development.md has no Dependencies section")
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\| (.+) \\|$").FindAllStringSubmatch(deps, -1) {
		rows[m[1]] = true
		require.True(t, direct[m[1]], "docs/development.md's Dependencies table lists %s, which go.mod does not require directly", m[1])
	}
	for m := range direct {
		require.True(t, rows[m], "docs/development.md's Dependencies table has no row for %s", m)
	}
}

// TestDocsCiteTestsInTheirPackage: where the docs name the package of the
// tests they cite ("`TestA`, `TestB/case` (controller/api)"), each test is
// defined in that package, so `go test -run NAME ./PACKAGE` (as
// docs/reliability.md tells a reader to run it) finds it.
func TestDocsCiteTestsInTheirPackage(t *testing.T) {
	root := moduleRoot(t)
	defined := map[string]map[string]bool{} // test name -> package directories
	def := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark)\w+)\(`)
	walkTestFiles(t, root, func(rel string, src []byte) {
		for _, m := range def.FindAllSubmatch(src, -1) {
			if defined[string(m[1])] == nil {
				defined[string(m[1])] = map[string]bool{}
			}
			defined[string(m[1])][filepath.ToSlash(rel)] = true
		}
	})
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	docs = append(docs, filepath.Join(root, "README.md"), filepath.Join(root, "CHANGELOG.md"))
	cite := regexp.MustCompile("((?:`(?:Test|Fuzz|Benchmark)\\w+[^`]*`(?:, | and |, and )?)+) \\(([a-z][a-z0-9/_-]*)[,:)]")
	name := regexp.MustCompile("`((?:Test|Fuzz|Benchmark)\\w+)")
	checked := 0
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		require.NoError(t, err)
		for _, m := range cite.FindAllStringSubmatch(string(b), -1) {
			if fi, err := os.Stat(filepath.Join(root, m[2])); err != nil || !fi.IsDir() {
				continue // prose in parentheses, not a package
			}
			for _, n := range name.FindAllStringSubmatch(m[1], -1) {
				checked++
				require.True(t, defined[n[1]][m[2]], "%s cites %s in %s; it is defined in %v", filepath.Base(doc), n[1], m[2], defined[n[1]])
			}
		}
	}
	require.Greater(t, checked, 100, "no test citations found")
}
