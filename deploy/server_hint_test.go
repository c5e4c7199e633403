package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestServerHintSaysWhetherShortSkips: a missing server's message offers
// `go test -short` only to a test that -short skips. It was offered to
// TestInhibitionPerController, which runs in short mode, so an operator
// following it still failed. Every requireServer call's shortSkips must
// match whether its test function skips on testing.Short().
func TestServerHintSaysWhetherShortSkips(t *testing.T) {
	require.Contains(t, serverMissing(true, "PRESCALE_ALERTMANAGER_BIN", "prometheus-alertmanager", []string{"alertmanager"}), "`go test -short` skips this test")
	require.NotContains(t, serverMissing(false, "PRESCALE_ALERTMANAGER_BIN", "prometheus-alertmanager", []string{"alertmanager"}), "-short")
	files, err := filepath.Glob("*_test.go")
	require.NoError(t, err)
	calls := 0
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		require.NoError(t, err)
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || !strings.HasPrefix(fn.Name.Name, "Test") || fn.Body == nil {
				continue
			}
			skips := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "Short" {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "testing" {
						skips = true
					}
				}
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "requireServer" {
					calls++
					arg, ok := call.Args[1].(*ast.Ident)
					require.True(t, ok, "%s: requireServer's shortSkips must be true or false", fn.Name.Name)
					require.Equal(t, skips, arg.Name == "true", "%s: requireServer(t, %s, ...), but the test %s on -short", fn.Name.Name, arg.Name,
						map[bool]string{true: "skips", false: "runs"}[skips])
				}
				return true
			})
		}
	}
	require.GreaterOrEqual(t, calls, 3, "requireServer calls found")
}
