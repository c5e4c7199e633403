package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// exampleTarget is the part of a targets-file entry the examples show.
type exampleTarget struct {
	Name          string `yaml:"name"`
	Query         string `yaml:"query"`
	CompleteQuery string `yaml:"complete_query"`
}

// docsSummedExample is the first YAML block of docs/controller-reference.md's
// section "Demand summed over several hosts": its one target.
func docsSummedExample(t *testing.T) exampleTarget {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docs", "controller-reference.md"))
	require.NoError(t, err)
	_, sec, ok := strings.Cut(string(b), "\n### Demand summed over several hosts\n")
	require.True(t, ok, "controller-reference.md has no section Demand summed over several hosts")
	_, block, ok := strings.Cut(sec, "```yaml\n")
	require.True(t, ok, "the section has no YAML example")
	block, _, _ = strings.Cut(block, "```")
	var ts []exampleTarget
	require.NoError(t, yaml.Unmarshal([]byte(block), &ts), "the section's example:\n%s", block)
	require.Len(t, ts, 1)
	require.NotEmpty(t, ts[0].Query)
	require.NotEmpty(t, ts[0].CompleteQuery)
	return ts[0]
}

// promtoolExprs maps each promql_expr_test expression of a promtool
// unit-test file to the number of samples it expects.
func promtoolExprs(t *testing.T, path string) map[string]int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var f struct {
		Tests []struct {
			Exprs []struct {
				Expr    string `yaml:"expr"`
				Samples []any  `yaml:"exp_samples"`
			} `yaml:"promql_expr_test"`
		} `yaml:"tests"`
	}
	require.NoError(t, yaml.Unmarshal(b, &f))
	out := map[string]int{}
	for _, tc := range f.Tests {
		for _, e := range tc.Exprs {
			out[e.Expr] = len(e.Samples)
		}
	}
	return out
}

// TestSummedDemandExampleIsTested: the complete_query example of
// docs/controller-reference.md ("Demand summed over several hosts") is
// the one rules/examples_test.yml runs through promtool (TestCheckConfig):
// its demand query and complete_query, character for character, in the
// test that the sum never reads below the whole demand while the
// complete_query says whole, through a host's stop and return (a rate
// falls toward 0 over its window after a source stops, and has only the
// new samples after it answers again). The example targets file has the
// same pair.
func TestSummedDemandExampleIsTested(t *testing.T) {
	ex := docsSummedExample(t)
	exprs := promtoolExprs(t, filepath.Join("rules", "examples_test.yml"))
	never := fmt.Sprintf("count_over_time(((%s < 0.999) and on () (%s > 0))[19m:5s])", ex.Query, ex.CompleteQuery)
	n, ok := exprs[never]
	require.True(t, ok, "rules/examples_test.yml does not test the docs' example:\n%s", never)
	require.Zero(t, n, "the test expects no sample: no low sum while complete_query says whole")
	low := fmt.Sprintf("count_over_time((%s < 0.999)[19m:5s])", ex.Query)
	n, ok = exprs[low]
	require.True(t, ok && n == 1, "rules/examples_test.yml does not show the plain sum reading low:\n%s", low)

	b, err := os.ReadFile(filepath.Join(repoRoot, "controller", "config", "testdata", "targets.yml"))
	require.NoError(t, err)
	var file struct {
		Targets []exampleTarget `yaml:"targets"`
	}
	require.NoError(t, yaml.Unmarshal(b, &file))
	for _, tg := range file.Targets {
		if tg.Name == ex.Name {
			require.Equal(t, ex, tg, "controller/config/testdata/targets.yml's %s is not the docs' example", ex.Name)
			return
		}
	}
	t.Fatalf("controller/config/testdata/targets.yml has no target %s", ex.Name)
}
