package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// majorVersion is a path element like v2 or v4 that is not a package name.
var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

// importName is the name a file uses for an import: its alias, or the last
// path element that is not a major version, without a "go-" prefix.
func importName(is *ast.ImportSpec) string {
	if is.Name != nil {
		return is.Name.Name
	}
	p, _ := strconv.Unquote(is.Path.Value)
	parts := strings.Split(p, "/")
	n := parts[len(parts)-1]
	if majorVersion.MatchString(n) && len(parts) > 1 {
		n = parts[len(parts)-2]
	}
	return strings.ReplaceAll(strings.TrimPrefix(n, "go-"), "-", "")
}

// shadows lists every local name of f (declared with := or var, a
// parameter or result, a range or type-switch variable, closures
// included) equal to the name of one of f's imports.
func shadows(fset *token.FileSet, f *ast.File) []string {
	imported := map[string]bool{}
	for _, is := range f.Imports {
		imported[importName(is)] = true
	}
	var bad []string
	check := func(id *ast.Ident) {
		if id != nil && imported[id.Name] {
			bad = append(bad, fset.Position(id.Pos()).String()+": "+id.Name)
		}
	}
	fields := func(fl *ast.FieldList) {
		if fl != nil {
			for _, fd := range fl.List {
				for _, n := range fd.Names {
					check(n)
				}
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.AssignStmt:
			if x.Tok == token.DEFINE {
				for _, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						check(id)
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range x.Names {
				check(id)
			}
		case *ast.FuncType:
			fields(x.Params)
			fields(x.Results)
		case *ast.FuncDecl:
			fields(x.Recv)
		case *ast.RangeStmt:
			if x.Tok == token.DEFINE {
				for _, e := range []ast.Expr{x.Key, x.Value} {
					if id, ok := e.(*ast.Ident); ok {
						check(id)
					}
				}
			}
		}
		return true
	})
	return bad
}

// TestNoLocalShadowsAnImport: a local named like a package the file
// imports (app := app.New(...)) hides the package for the rest of its
// scope. revive's import-shadowing rule, run by golangci-lint, does not
// look inside function literals; this walks every scope.
func TestNoLocalShadowsAnImport(t *testing.T) {
	root := moduleRoot(t)
	fset := token.NewFileSet()
	var bad []string
	for _, gf := range parseModule(t) {
		f, err := parser.ParseFile(fset, filepath.Join(root, filepath.FromSlash(gf.path)), nil, 0)
		require.NoError(t, err)
		bad = append(bad, shadows(fset, f)...)
	}
	require.Empty(t, bad, "locals named like an imported package")

	src := `package p
import (
	"net/url"
	app "example.com/controller/app"
	"example.com/x/v2"
)
func f(url string) { _ = func() { app := 1; _ = app }; for x := range 3 { _ = x } }`
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"p.go:7:8: url", "p.go:7:35: app", "p.go:7:60: x"}, shadows(fset, f))
}
