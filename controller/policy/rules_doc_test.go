package policy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// ruleConstants returns the value of every constant of type Rule declared
// in this package's non-test files.
func ruleConstants(t *testing.T) []string {
	t.Helper()
	return constants(t, func(spec *ast.ValueSpec, _ *ast.Ident) bool {
		id, ok := spec.Type.(*ast.Ident)
		return ok && id.Name == "Rule"
	})
}

// constants returns the value of every constant (name of spec) declared
// in this package's non-test files for which keep is true; each must be
// a string literal.
func constants(t *testing.T, keep func(spec *ast.ValueSpec, name *ast.Ident) bool) []string {
	t.Helper()
	fset := token.NewFileSet()
	var out []string
	files, err := os.ReadDir(".")
	require.NoError(t, err)
	for _, f := range files {
		file := f.Name()
		if !strings.HasSuffix(file, ".go") || strings.HasSuffix(file, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(fset, file, nil, 0)
		require.NoError(t, err)
		ast.Inspect(parsed, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, id := range spec.Names {
				if i >= len(spec.Values) || !keep(spec, id) {
					continue
				}
				lit, ok := spec.Values[i].(*ast.BasicLit)
				require.True(t, ok, "constant %s in %s is not a literal", id.Name, file)
				v, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				out = append(out, v)
			}
			return true
		})
	}
	return out
}

// TestReferenceListsEveryRule: docs/controller-reference.md's table of
// rules has a row for every rule Decide can name, with its reason, and the
// OpenAPI document's rule field names each.
func TestReferenceListsEveryRule(t *testing.T) {
	rules := ruleConstants(t)
	require.Len(t, rules, 22)
	ref, err := os.ReadFile("../../docs/controller-reference.md")
	require.NoError(t, err)
	doc := string(ref)
	start := strings.Index(doc, "\n| rule | reason | when |\n")
	require.GreaterOrEqual(t, start, 0, "controller-reference.md has no table of rules")
	table := doc[start:]
	table = table[:strings.Index(table, "\n\n")]
	api, err := os.ReadFile("../api/openapi.yaml")
	require.NoError(t, err)
	ruleField := regexp.MustCompile(`rule: \{type: string, description: "([^"]*)"`).FindStringSubmatch(string(api))
	require.Len(t, ruleField, 2, "openapi.yaml's Explanation has no rule description")
	for _, r := range rules {
		require.Contains(t, table, "\n| `"+r+"` | `", "controller-reference.md's table has no row for rule %s", r)
		require.Regexp(t, `\b`+r+`\b`, ruleField[1], "openapi.yaml's rule does not name %s", r)
	}
	require.Equal(t, len(rules), strings.Count(table, "\n| `"), "rows for rules the code does not have")
	for _, r := range Reasons() {
		require.Contains(t, table, "`"+string(r)+"`", "controller-reference.md's table has no reason %s", r)
	}
}
