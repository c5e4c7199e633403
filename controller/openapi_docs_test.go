package controller_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// openAPINames collects what a JSON answer or request of the document can
// say: its property names, query parameters and enum values.
func openAPINames(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(openAPIPath)
	require.NoError(t, err)
	var doc any
	require.NoError(t, yaml.Unmarshal(b, &doc))
	names := map[string]bool{}
	var walk func(any)
	walk = func(o any) {
		switch o := o.(type) {
		case map[string]any:
			if props, ok := o["properties"].(map[string]any); ok {
				for k := range props {
					names[k] = true
				}
			}
			if o["in"] == "query" {
				if n, ok := o["name"].(string); ok {
					names[n] = true
				}
			}
			if enum, ok := o["enum"].([]any); ok {
				for _, v := range enum {
					if s, ok := v.(string); ok {
						names[s] = true
					}
				}
			}
			for _, v := range o {
				walk(v)
			}
		case []any:
			for _, v := range o {
				walk(v)
			}
		}
	}
	walk(doc)
	require.True(t, names["excluded_from_fit"] && names["limit"] && names["ok"], "the document's names not read")
	return names
}

// TestREADMERESTFieldsAreTheDocuments: every field, parameter and value
// docs/api.md's REST table quotes (`history_error`, `next`, `last_ok`, `ok`,
// ...) is one of the OpenAPI document, which the answers are validated
// against (TestOpenAPIAnswers): a renamed field cannot stay in the table.
// Metric names, null and targets-file fields are the table's prose.
func TestREADMERESTFieldsAreTheDocuments(t *testing.T) {
	names := openAPINames(t)
	readme, err := os.ReadFile("../docs/api.md")
	require.NoError(t, err)
	rest, ok := strings.CutPrefix(string(readme), "# REST API\n")
	require.True(t, ok)
	table, _, _ := strings.Cut(rest, "\n## ")
	field := regexp.MustCompile("`([a-z][a-z_]*)`")
	checked := 0
	for line := range strings.SplitSeq(table, "\n") {
		if !strings.HasPrefix(line, "| `/") {
			continue
		}
		for _, m := range field.FindAllStringSubmatch(line, -1) {
			n := m[1]
			if strings.HasPrefix(n, "prescale_") || n == "null" || n == "current_query" {
				continue
			}
			checked++
			require.True(t, names[n], "docs/api.md's REST table quotes %q, which the OpenAPI document does not name: %s", n, line)
		}
	}
	require.Greater(t, checked, 10, "docs/api.md's REST table not read")
}
