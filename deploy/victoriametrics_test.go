package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestVictoriaMetricsScrapesPrometheusYML: docs/deploy.md feeds a
// VictoriaMetrics single-node server from this repository's
// prometheus.yml (-promscrape.config). VictoriaMetrics refuses the file's
// rule_files and alerting sections unless told to ignore unknown fields,
// which the page says; with the flag it takes the file as it is.
func TestVictoriaMetricsScrapesPrometheusYML(t *testing.T) {
	vm := victoriaMetricsBin(t)
	check := func(flags ...string) (string, error) {
		args := append([]string{"-promscrape.config=prometheus.yml", "-dryRun"}, flags...)
		cmd := exec.CommandContext(t.Context(), vm, args...)
		cmd.Dir = repoRoot
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, _ := check()
	require.Contains(t, out, "field alerting not found", "without -promscrape.config.strictParse=false: the page says why the flag is needed")
	out, err := check("-promscrape.config.strictParse=false")
	require.NoError(t, err, out)
	require.Contains(t, out, "-promscrape.config is ok")
	require.NotContains(t, out, "cannot")

	doc := string(readRepoFile(t, "docs/deploy.md"))
	if !strings.Contains(doc, "-promscrape.config=prometheus.yml -promscrape.config.strictParse=false") {
		t.Error("docs/deploy.md does not give the VictoriaMetrics command line that takes prometheus.yml")
	}
}

// victoriaMetricsBin is the victoria-metrics binary `make test-deps`
// builds (scripts/ensure-victoriametrics.sh, the version it names), or
// PRESCALE_VICTORIAMETRICS_BIN's.
func victoriaMetricsBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts VictoriaMetrics: skipped with -short")
	}
	if p := os.Getenv("PRESCALE_VICTORIAMETRICS_BIN"); p != "" {
		return p
	}
	m := regexp.MustCompile(`VERSION=\$\{VICTORIAMETRICS_VERSION:-(v[0-9.]+)\}`).FindStringSubmatch(string(readRepoFile(t, "scripts/ensure-victoriametrics.sh")))
	require.NotNil(t, m, "scripts/ensure-victoriametrics.sh: its VERSION line")
	dir := filepath.Join(repoRoot, ".cache", "victoriametrics", m[1])
	bin, err := filepath.Abs(filepath.Join(dir, "victoria-metrics"))
	require.NoError(t, err)
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if why, err := os.ReadFile(filepath.Join(dir, "SKIP")); err == nil {
		// The build could not reach the Go module proxy, as the
		// controller's VictoriaMetrics tests skip on.
		t.Skipf("VictoriaMetrics test skipped: %s", strings.TrimSpace(string(why)))
	}
	t.Fatalf("victoria-metrics %s not found at %s: run `make test-deps` (scripts/ensure-victoriametrics.sh) or set PRESCALE_VICTORIAMETRICS_BIN", m[1], bin)
	return ""
}
