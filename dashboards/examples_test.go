package dashboards

import (
	"bufio"
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/internal/testkit"
)

// exampleQueries returns the demand and current queries the repository
// gives as examples, keyed by where they are: the targets file docs/configuration.md
// and the controller reference point at, the systemd environment file and
// the Compose file.
func exampleQueries(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	var tf struct {
		Targets []struct {
			Name         string `yaml:"name"`
			Query        string `yaml:"query"`
			CurrentQuery string `yaml:"current_query"`
		} `yaml:"targets"`
	}
	p := filepath.Join("..", "controller", "config", "testdata", "targets.yml")
	require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, p), &tf), p)
	for _, e := range tf.Targets {
		out[p+" "+e.Name+" query"] = e.Query
		if e.CurrentQuery != "" {
			out[p+" "+e.Name+" current_query"] = e.CurrentQuery
		}
	}
	envLine := regexp.MustCompile(`^(PRESCALE_TARGET_(?:CURRENT_)?QUERY)=(.+)$`)
	p = filepath.Join("..", "deploy", "systemd", "prescale-controller.env")
	sc := bufio.NewScanner(bytes.NewReader(testkit.ReadFile(t, p)))
	for sc.Scan() {
		if m := envLine.FindStringSubmatch(sc.Text()); m != nil {
			out[p+" "+m[1]] = strings.Trim(m[2], "'")
		}
	}
	var dc struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	p = filepath.Join("..", "docker-compose.yml")
	require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, p), &dc), p)
	for name, s := range dc.Services {
		for _, v := range []string{"PRESCALE_TARGET_QUERY", "PRESCALE_TARGET_CURRENT_QUERY"} {
			if q := s.Environment[v]; q != "" {
				out[p+" "+name+" "+v] = q
			}
		}
	}
	require.GreaterOrEqual(t, len(out), 5, "example queries found: %v", out)
	return out
}

// TestExampleQueriesUseKnownMetrics: every prescale series and recording
// rule an example query selects is one the exporter or the controller
// exposes, deploy/rules records or Prometheus writes (an application's own
// series, http_requests_total or kube-state-metrics', are the operator's).
// The targets file's db target read prescale_filesystem_used_bytes, which
// nothing exposes: copied as it was, the target never had data (no_data).
func TestExampleQueriesUseKnownMetrics(t *testing.T) {
	known := knownMetrics(t)
	for where, q := range exampleQueries(t) {
		t.Run(where, func(t *testing.T) {
			for _, name := range metricNames(t, q, nil) {
				if !strings.HasPrefix(name, "prescale_") && !strings.Contains(name, ":") && name != "up" {
					continue
				}
				require.Contains(t, known, name, "%s: %q selects %q, which nothing exposes or records", where, q, name)
			}
		})
	}
}
