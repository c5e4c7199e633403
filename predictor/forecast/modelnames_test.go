package forecast

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestModelNamesInAPIDocs: every name the forecaster reports as its model
// (in /api/predictions, /api/verification, a decision's explanation and
// the webhook's description) is explained in docs/api.md. An operator
// running make run first sees "naive_fallback", which no page named.
func TestModelNamesInAPIDocs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/api.md")
	require.NoError(t, err)
	names := []string{(&engine{fallback: true}).modelName(), (&engine{guarded: true}).modelName()}
	for _, c := range (&engine{}).newCores(0) {
		names = append(names, c.Name())
	}
	require.Len(t, names, 11)
	for _, n := range names {
		require.Contains(t, string(doc), "`"+n+"`", "docs/api.md does not explain the model name %q", n)
	}
	require.Contains(t, string(doc), "`mean(", "docs/api.md does not explain an average of models")
}
