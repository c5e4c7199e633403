package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/internal/testkit"
)

// TestStatusPathHasOneHome: the status page's path is a value in one
// place, actuator.StatusPath, which the API's route, its index, the
// default PRESCALE_EXTERNAL_URL and the webhook's links all read; it was
// written in three (the route, controller/app's default, the webhook's
// own constant) that had to agree. Messages that name the page in prose
// (a health reason, prescale run's banner) are not values of it.
func TestStatusPathHasOneHome(t *testing.T) {
	root := testkit.ModuleRoot(t)
	var at []string
	for _, dir := range []string{"controller", "cmd", "internal", "exporter"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil && s == actuator.StatusPath {
						at = append(at, filepath.ToSlash(rel))
					}
				}
				return true
			})
			return nil
		})
		require.NoError(t, err)
	}
	require.Equal(t, []string{"controller/actuator/webhook.go"}, at)
}
