package policy

import (
	"go/ast"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// wantedByConstants returns the value of every constant named WantedBy...
// declared in this package's non-test files.
func wantedByConstants(t *testing.T) []string {
	t.Helper()
	return constants(t, func(_ *ast.ValueSpec, name *ast.Ident) bool { return strings.HasPrefix(name.Name, "WantedBy") })
}

// TestWantedByValuesDocumented: the OpenAPI document lists exactly the
// values wanted_by can take as its enum (answers are validated against
// it), and docs/controller-reference.md names each. The enum was missing:
// a client generated from the document could not know the values, and a
// value added to the code was not checked against the document.
func TestWantedByValuesDocumented(t *testing.T) {
	values := wantedByConstants(t)
	require.Len(t, values, 6)
	b, err := os.ReadFile("../api/openapi.yaml")
	require.NoError(t, err)
	var doc struct {
		Components struct {
			Schemas struct {
				Explanation struct {
					Properties struct {
						WantedBy struct {
							Enum []string `yaml:"enum"`
						} `yaml:"wanted_by"`
					} `yaml:"properties"`
				} `yaml:"Explanation"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	require.NoError(t, yaml.Unmarshal(b, &doc))
	enum := doc.Components.Schemas.Explanation.Properties.WantedBy.Enum
	require.ElementsMatch(t, values, enum, "openapi.yaml's Explanation.wanted_by enum")

	ref, err := os.ReadFile("../../docs/controller-reference.md")
	require.NoError(t, err)
	_, para, ok := strings.Cut(string(ref), "\n`wanted_by` names what set `wanted`:")
	require.True(t, ok, "controller-reference.md has no wanted_by paragraph")
	para, _, _ = strings.Cut(para, "\n\n")
	for _, v := range values {
		require.Contains(t, para, "`"+v+"`", "controller-reference.md's wanted_by paragraph does not name %s", v)
	}
}
