package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/internal/testkit"
)

// defaultsNamespaces are the controller's variables docs/tuning.md's
// defaults table has a row for, each one not in notDecisionDefaults.
var defaultsNamespaces = []string{"PRESCALE_TARGET_", "PRESCALE_FORECAST_", "PRESCALE_ANOMALY_",
	"PRESCALE_CONFIDENCE_", "PRESCALE_COST_", "PRESCALE_STEP", "PRESCALE_HISTORY_WINDOW", "PRESCALE_SCALING_INTERVAL"}

// notDecisionDefaults say what a target is and where its demand comes
// from, not how it is decided: the table leaves them out.
var notDecisionDefaults = []string{"PRESCALE_TARGET_NAME", "PRESCALE_TARGET_TIER", "PRESCALE_TARGET_QUERY",
	"PRESCALE_TARGET_CURRENT_QUERY", "PRESCALE_TARGET_COMPLETE_QUERY"}

// defaultsPackages are the packages whose constants the table names, each
// checked by its own TestDefaultsTable (testkit.RequireDefaultsRows).
var defaultsPackages = []string{"engine", "policy", "anomaly", "demand", "crowd", "hourly", "levelshift"}

// TestDefaultsTableIsTheConfig: docs/tuning.md's table of defaults and
// the data that chose them gives each controller variable it names the
// default the controller takes; every decision default among the
// controller's variables has a row; every exported Default* of
// controller/engine, controller/policy and predictor/... has one; and
// every constant the table names is in a package whose TestDefaultsTable
// checks its value.
func TestDefaultsTableIsTheConfig(t *testing.T) {
	rows := testkit.DefaultsTable(t)
	defaults := envDefaults()
	named := map[string]bool{}
	codes := map[string]bool{}
	for _, row := range rows {
		for _, v := range row.Vars {
			def, ok := defaults[v]
			require.True(t, ok, "docs/tuning.md's defaults table names %s, which the controller does not read (or has no default)", v)
			require.Equal(t, def, row.Value, "docs/tuning.md says %s defaults to %q; the controller's default is %q", v, row.Value, def)
			named[v] = true
		}
		if row.Code != "" {
			pkg, _, _ := strings.Cut(row.Code, ".")
			require.Contains(t, defaultsPackages, pkg, "%s: no TestDefaultsTable checks package %s's values", row.Code, pkg)
			codes[row.Code] = true
		}
	}
	for v := range defaults {
		if slices.ContainsFunc(defaultsNamespaces, func(p string) bool { return strings.HasPrefix(v, p) }) && !slices.Contains(notDecisionDefaults, v) {
			require.True(t, named[v], "%s has no row in docs/tuning.md's defaults table", v)
		}
	}
	root := testkit.ModuleRoot(t)
	for _, dir := range []string{"controller/engine", "controller/policy", "predictor"} {
		for _, name := range exportedDefaults(t, filepath.Join(root, dir)) {
			require.True(t, codes[name], "%s has no row in docs/tuning.md's defaults table", name)
		}
	}
}

// envDefaults maps each controller variable with a default to it.
func envDefaults() map[string]string {
	out := map[string]string{}
	typ := reflect.TypeFor[config.Config]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, def := f.Tag.Get("envconfig"), f.Tag.Get("default")
		if name != "" && def != "" {
			out[config.EnvPrefix+"_"+name] = def
		}
	}
	return out
}

// exportedDefaults lists, as package.Name, the exported constants,
// variables and functions named Default* of the packages at or under dir
// (test files and testdata aside).
func exportedDefaults(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			for _, id := range declaredNames(decl) {
				if strings.HasPrefix(id, "Default") && ast.IsExported(id) {
					names = append(names, f.Name.Name+"."+id)
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	return names
}

// declaredNames are the top-level names a declaration gives: a function's
// (not a method's), each constant's and each variable's.
func declaredNames(decl ast.Decl) []string {
	var names []string
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			names = append(names, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			if vs, ok := spec.(*ast.ValueSpec); ok {
				for _, id := range vs.Names {
					names = append(names, id.Name)
				}
			}
		}
	}
	return names
}
