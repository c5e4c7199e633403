package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHelmReadsValuesAsYAML11 pins what docs/deploy.md says of numbers
// in a values file: Helm reads them by YAML 1.1's rules, so an unquoted
// 010 reaches the chart as 8 (octal) and no check can see the 0; a
// quoted "010" reaches the schema as written, which refuses it, as the
// controller does (rendered without the schema, it reaches the controller
// as written).
func TestHelmReadsValuesAsYAML11(t *testing.T) {
	helm := lookHelm(t)
	for _, c := range []struct{ value, rendered string }{
		{"010", "8"},
		{`"010"`, "010"},
		{"10", "10"},
	} {
		values := filepath.Join(t.TempDir(), "values.yaml")
		require.NoError(t, os.WriteFile(values, []byte("controller:\n  env: {PRESCALE_TARGET_MAX_UNITS: "+c.value+"}\n"), 0o644))
		if c.rendered == "010" {
			_, stderr, err := helmTemplate(t, helm, "-f", values)
			require.Error(t, err)
			require.Contains(t, stderr, "at '/controller/env/PRESCALE_TARGET_MAX_UNITS': '010' does not match pattern")
		}
		objs := mustTemplate(t, helm, "-f", values, "--skip-schema-validation")
		data, _ := get(t, objs["ConfigMap"][0].raw, "data").(map[string]any)
		require.Equal(t, c.rendered, data["PRESCALE_TARGET_MAX_UNITS"], "max units written %s", c.value)
	}
}
