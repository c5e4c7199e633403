package archtest

import (
	"bufio"
	"bytes"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

const module = "github.com/prescale/prescale"

// maxPackageLines is the most non-test lines one package may hold.
const maxPackageLines = 2000

// under reports whether path is dir or inside it.
func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// cmdOf is the command a package under cmd belongs to: "cmd/prescale"
// for "cmd/prescale/internal/backfill".
func cmdOf(pkg string) string {
	parts := strings.SplitN(pkg, "/", 3)
	return strings.Join(parts[:min(2, len(parts))], "/")
}

// allowed reports whether the package at pkg (module-relative, "." for the
// root) may import imp (module-relative), per docs/architecture.md.
func allowed(pkg, imp string) bool {
	switch {
	case under(pkg, "cmd"):
		// A command's own internal packages, never another command's.
		return !under(imp, "cmd") || under(imp, cmdOf(pkg)+"/internal")
	case under(pkg, "predictor"):
		switch pkg {
		case "predictor", "predictor/series", "predictor/conformal":
			return false
		case "predictor/regress":
			return imp == "predictor/series"
		case "predictor/forecast/internal/models":
			return imp == "predictor/series" || imp == "predictor/regress"
		case "predictor/forecast":
			if imp == "predictor/forecast/internal/models" || imp == "predictor/conformal" {
				return true
			}
		}
		return imp == "predictor" || imp == "predictor/series" || imp == "predictor/regress"
	case pkg == "controller/internal/histwin":
		return imp == "controller/history"
	case pkg == "controller/internal/metrics":
		return imp == "controller/policy" || imp == "controller/history" // the reasons points are left out
	case pkg == "controller/internal/cyclelog":
		return imp == "controller/policy" || imp == "internal/outage"
	case pkg == "controller/internal/health":
		return imp == "controller/actuator" || imp == "internal/outage"
	case pkg == "controller/internal/complete":
		return imp == "controller/history"
	case pkg == "controller/internal/clockstep":
		return imp == "controller/state"
	case pkg == "controller/internal/pipeline":
		return imp == "controller/engine" || imp == "controller/history" || imp == "predictor"
	case pkg == "controller/internal/cost":
		return imp == "controller/policy" || imp == "controller/state"
	case pkg == "controller/internal/cadence":
		return imp == "controller/internal/cyclelog" || imp == "internal/outage"
	case pkg == "controller/internal/actuation":
		return imp == "controller/actuator" || imp == "controller/policy" || imp == "controller/state"
	case under(pkg, "controller/internal"):
		return false
	case pkg == "controller/policy":
		return imp == "predictor"
	case pkg == "controller/api/internal/restload":
		return imp == "internal/cputime" // a separate process, not the server
	case under(pkg, "controller"):
		if imp == "controller/app" {
			return false // wiring: cmd builds the process
		}
		if pkg == "controller" && imp == "controller/api" {
			return false // the views import the loop, not the other way round
		}
		return under(imp, "controller") || under(imp, "predictor") || under(imp, "internal") || imp == "."
	case under(pkg, "exporter"):
		return under(imp, "exporter") || under(imp, "internal") || imp == "."
	case under(pkg, "internal"):
		return under(imp, "internal") || imp == "."
	case pkg == ".":
		return false
	case under(pkg, "dashboards"), under(pkg, "deploy"):
		return true // Go files there are only their tests
	}
	return false // a new top-level package: add it to the rules first
}

// ioFree lists standard-library trees predictor must not import: no I/O,
// no clock, no global randomness.
var ioFree = []string{"os", "io", "bufio", "net", "syscall", "time", "log", "math/rand", "crypto/rand"}

func forbiddenStd(pkg, imp string) bool {
	if !under(pkg, "predictor") {
		return false
	}
	for _, f := range ioFree {
		if under(imp, f) {
			return true
		}
	}
	return false
}

// goFile is one parsed Go file of the module.
type goFile struct {
	path    string // module-relative, slash-separated
	pkg     string // module-relative directory, "." for the root
	test    bool
	imports []string
	lines   int
}

// moduleRoot is the directory holding go.mod, whose module is prescale.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root := testkit.ModuleRoot(t)
	require.Contains(t, string(testkit.ReadFile(t, filepath.Join(root, "go.mod"))), "module "+module+"\n")
	return root
}

// ignored reports whether a file's build constraints exclude it from every
// build (//go:build ignore, as the fixture generators use).
func ignored(src []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "package ") {
			return false
		}
		if constraint.IsGoBuild(line) {
			expr, err := constraint.Parse(line)
			if err != nil {
				return false
			}
			mentioned := false
			ok := expr.Eval(func(tag string) bool {
				mentioned = mentioned || tag == "ignore"
				return tag != "ignore"
			})
			// Files of one platform (//go:build !linux) count: only the
			// ignore tag takes a file out of every build.
			return mentioned && !ok
		}
	}
	return false
}

// parseModule reads the imports of every Go file of the module (testdata,
// hidden and vendor directories skipped, as the go command does).
func parseModule(t *testing.T) []goFile {
	t.Helper()
	root := moduleRoot(t)
	var files []goFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if ignored(src) {
			return nil
		}
		f, err := parser.ParseFile(fset, p, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		gf := goFile{path: rel, pkg: filepath.ToSlash(filepath.Dir(rel)), test: strings.HasSuffix(name, "_test.go"), lines: bytes.Count(src, []byte("\n"))}
		for _, is := range f.Imports {
			ip, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				return err
			}
			gf.imports = append(gf.imports, ip)
		}
		files = append(files, gf)
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// relImport maps a module import path to its module-relative form.
func relImport(ip string) (string, bool) {
	if ip == module {
		return ".", true
	}
	rest, ok := strings.CutPrefix(ip, module+"/")
	return rest, ok
}

// checkImports returns one line per import against the rules. Test files
// are held to the module rules in predictor only (elsewhere end-to-end tests
// may start the real exporter or controller); they may also import
// internal/... (the trace reader for fixtures), read files and use seeded
// randomness.
func checkImports(files []goFile) []string {
	var bad []string
	for _, f := range files {
		if f.test && !under(f.pkg, "predictor") {
			continue
		}
		for _, ip := range f.imports {
			if rel, ok := relImport(ip); ok {
				if rel != f.pkg && !allowed(f.pkg, rel) && (!f.test || !under(rel, "internal")) {
					bad = append(bad, f.path+" imports "+ip)
				} else if !f.test && rel == "internal/testkit" {
					bad = append(bad, f.path+" imports "+ip+" (test helpers: tests only)")
				}
			} else if !f.test && forbiddenStd(f.pkg, ip) {
				bad = append(bad, f.path+" imports "+ip+" (predictor: no I/O, no clock)")
			}
		}
	}
	return bad
}

func TestImportsFollowArchitecture(t *testing.T) {
	bad := checkImports(parseModule(t))
	require.Empty(t, bad, "imports against docs/architecture.md (fix the import, or the rules and the doc together)")
}

func TestPackagesAtMost2000Lines(t *testing.T) {
	lines := map[string]int{}
	for _, f := range parseModule(t) {
		if !f.test {
			lines[f.pkg] += f.lines
		}
	}
	var big []string
	for pkg, n := range lines {
		if n > maxPackageLines {
			big = append(big, pkg+": "+strconv.Itoa(n)+" lines")
		}
	}
	slices.Sort(big)
	require.Empty(t, big, "packages over %d non-test lines", maxPackageLines)
}

// The rules themselves: each direction the architecture forbids is caught.
func TestRulesCatchBackwardImports(t *testing.T) {
	for _, tc := range []struct {
		pkg, imp string
		ok       bool
	}{
		{"cmd/prescale", "controller/app", true},
		{"cmd/prescale", "exporter", true},
		{"cmd/prescale", "cmd/prescale/internal/backfill", true},
		{"cmd/prescale/internal/backfill", "controller/history", true},
		{"cmd/prescale-controller", "cmd/prescale/internal/backfill", false},
		{"cmd/prescale", "cmd/prescale-controller", false},
		{"controller", "predictor/anomaly", true},
		{"controller/engine", "predictor/online", true},
		{"predictor/forecast", "predictor/series", true},
		{"predictor/forecast", "predictor/forecast/internal/models", true},
		{"predictor/forecast/internal/models", "predictor/forecast", false},
		{"predictor/forecast/internal/models", "predictor", false},
		{"predictor/online", "predictor/forecast/internal/models", false},
		{"predictor/forecast", "predictor/conformal", true},
		{"predictor/online", "predictor/conformal", false},
		{"predictor/anomaly", "predictor/conformal", false},
		{"controller/api/internal/restload", "internal/cputime", true},
		{"controller/api/internal/restload", "controller/api", false},
		{"controller/history", "internal/redact", true},
		{"exporter", "internal/envcheck", true},
		{"predictor/forecast", "controller/policy", false},
		{"predictor", "predictor/forecast", false},
		{"predictor/series", "predictor", false},
		{"predictor/anomaly", "exporter", false},
		{"controller", "exporter", false},
		{"controller", "cmd/prescale", false},
		{"controller/api", "controller/app", false},
		{"controller/api", "controller", true},
		{"controller", "controller/api", false},
		{"controller/policy", "controller/engine", false},
		{"exporter", "controller", false},
		{"exporter", "predictor", false},
		{"internal/trace", "controller", false},
		{".", "internal/buildinfo", false},
		{"newtop", "predictor", false},
	} {
		require.Equal(t, tc.ok, allowed(tc.pkg, tc.imp), "%s -> %s", tc.pkg, tc.imp)
	}
	files := []goFile{
		{path: "predictor/forecast/x.go", pkg: "predictor/forecast", imports: []string{"os", "math", module + "/controller/policy"}},
		{path: "predictor/forecast/x_test.go", pkg: "predictor/forecast", test: true, imports: []string{"os", module + "/internal/trace", module + "/controller"}},
		{path: "controller/x_test.go", pkg: "controller", test: true, imports: []string{module + "/exporter"}},
		{path: "exporter/x.go", pkg: "exporter", imports: []string{"os", module}},
		{path: "controller/y.go", pkg: "controller", imports: []string{module + "/internal/testkit"}},
		{path: "controller/y_test.go", pkg: "controller", test: true, imports: []string{module + "/internal/testkit"}},
	}
	require.Equal(t, []string{
		"predictor/forecast/x.go imports os (predictor: no I/O, no clock)",
		"predictor/forecast/x.go imports " + module + "/controller/policy",
		"predictor/forecast/x_test.go imports " + module + "/controller",
		"controller/y.go imports " + module + "/internal/testkit (test helpers: tests only)",
	}, checkImports(files))
}

// The design document lives in the repository: Go files and docs cite
// docs/architecture.md, never a design document outside the repository.
func TestNoDanglingDesignCitations(t *testing.T) {
	root := moduleRoot(t)
	var bad []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, ".md") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("DESIGN"+".md")) {
			rel, _ := filepath.Rel(root, p)
			bad = append(bad, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	require.Empty(t, bad, "cite docs/architecture.md instead")
}

// packageRows returns the rows of docs/architecture.md's package table:
// the names in each row's first cell and the whole row.
func packageRows(t *testing.T, root string) (rows [][]string, text []string) {
	t.Helper()
	doc := string(testkit.ReadFile(t, filepath.Join(root, "docs", "architecture.md")))
	_, table, ok := strings.Cut(doc, "## Packages and what each may import")
	require.True(t, ok, "docs/architecture.md has no package table")
	table, _, _ = strings.Cut(table, "\n## ")
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.Contains(cells[1], "`") {
			continue
		}
		var names []string
		for i, part := range strings.Split(cells[1], "`") {
			if i%2 == 1 {
				names = append(names, part)
			}
		}
		rows, text = append(rows, names), append(text, line)
	}
	require.NotEmpty(t, rows)
	return rows, text
}

// documented reports whether the package table names pkg: in a row's first
// cell, or under a "dir/..." entry whose row names pkg's last element.
func documented(pkg string, rows [][]string, text []string) bool {
	for i, names := range rows {
		for _, n := range names {
			if n == pkg || pkg == "." && n == "prescale" {
				return true
			}
			if dir, ok := strings.CutSuffix(n, "/..."); ok && under(pkg, dir) && pkg != dir &&
				strings.Contains(text[i], "`"+filepath.Base(pkg)+"`") {
				return true
			}
		}
	}
	return false
}

// TestArchitectureDocNamesEveryPackage: the package table of
// docs/architecture.md follows the tree, so a package added or moved
// without its row fails.
func TestArchitectureDocNamesEveryPackage(t *testing.T) {
	root := moduleRoot(t)
	rows, text := packageRows(t, root)
	var missing []string
	for _, f := range parseModule(t) {
		if !f.test && !documented(f.pkg, rows, text) && !slices.Contains(missing, f.pkg) {
			missing = append(missing, f.pkg)
		}
	}
	require.Empty(t, missing, "packages docs/architecture.md's table does not name")
	require.False(t, documented("internal/newpkg", rows, text), "an unlisted internal package is caught")
	require.False(t, documented("controller/newpkg", rows, text), "an unlisted controller package is caught")
}
