package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// handWrittenDocs are the documents written by hand: README.md and
// docs/*.md but the generated ones (accuracy.md, benchmarks*.md, written by
// make targets) and the tuning log (a history, naming what was then).
func handWrittenDocs(t *testing.T, root string) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	docs := []string{filepath.Join(root, "README.md")}
	for _, d := range all {
		base := filepath.Base(d)
		if base == "accuracy.md" || base == "tuning.md" || strings.HasPrefix(base, "benchmarks") {
			continue
		}
		docs = append(docs, d)
	}
	return docs
}

// declarations lists what the module's non-test Go files declare, as a doc
// names it: pkg.Name for a top-level function, type, variable or constant,
// pkg.Type.Name for a method or a struct field, pkg being the package
// clause's name; and which package names exist.
func declarations(t *testing.T, root string) (decls, pkgs map[string]bool) {
	t.Helper()
	decls, pkgs = map[string]bool{}, map[string]bool{}
	fset := token.NewFileSet()
	for _, gf := range parseModule(t) {
		if gf.test {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(root, gf.path), nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		pkg := f.Name.Name
		pkgs[pkg] = true
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				decls[pkg+"."+receiver(d)+d.Name.Name] = true
			case *ast.GenDecl:
				for _, s := range d.Specs {
					addSpec(decls, pkg, s)
				}
			}
		}
	}
	return decls, pkgs
}

// receiver is "Type." for a method, "" for a function.
func receiver(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return ""
	}
	typ := d.Recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	switch x := typ.(type) {
	case *ast.IndexExpr: // a generic receiver T[X]
		typ = x.X
	case *ast.IndexListExpr:
		typ = x.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "."
	}
	return ""
}

// addSpec records a type (and its struct fields), variable or constant.
func addSpec(decls map[string]bool, pkg string, s ast.Spec) {
	switch s := s.(type) {
	case *ast.TypeSpec:
		decls[pkg+"."+s.Name.Name] = true
		if st, ok := s.Type.(*ast.StructType); ok {
			for _, f := range st.Fields.List {
				for _, n := range f.Names {
					decls[pkg+"."+s.Name.Name+"."+n.Name] = true
				}
			}
		}
	case *ast.ValueSpec:
		for _, n := range s.Names {
			decls[pkg+"."+n.Name] = true
		}
	}
}

// TestDocsNameRealGoDeclarations: every `pkg.Name` (or `pkg.Type.Name`)
// the hand-written docs give, pkg a package of the module, is declared
// there. docs/reliability.md cited the manual override's bound as
// api.MaxManualDuration, which is policy.MaxManualDuration.
func TestDocsNameRealGoDeclarations(t *testing.T) {
	root := moduleRoot(t)
	decls, pkgs := declarations(t, root)
	require.True(t, decls["policy.Decide"] && decls["engine.Config.DecideOnly"] && decls["controller.Metrics"],
		"the declarations are not read as the docs name them")
	ref := regexp.MustCompile("`([a-z][a-z0-9]*)\\.([A-Z]\\w*(?:\\.[A-Z]\\w*)?)`")
	for _, doc := range handWrittenDocs(t, root) {
		b, err := os.ReadFile(doc)
		require.NoError(t, err)
		for _, m := range ref.FindAllSubmatch(b, -1) {
			pkg, name := string(m[1]), string(m[2])
			if !pkgs[pkg] {
				continue // another module's package (http.Server)
			}
			require.True(t, decls[pkg+"."+name], "%s names %s.%s, which package %s does not declare", filepath.Base(doc), pkg, name, pkg)
		}
	}
}
