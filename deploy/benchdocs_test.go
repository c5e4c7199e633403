package deploy

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMemoryFigureIsTheGenerated: README.md, docs/deploy.md and the Helm
// chart's values.yaml (its resources comment) state the
// controller's peak resident memory at 1,000 targets as the figure
// `make bench-docs` last wrote to docs/benchmarks.md, in MiB as it is
// measured (VmHWM / 1024). They gave two different ranges in MB (668–852
// and 740–777) while the generated figure was 734 MiB. After a new
// `make bench-docs`, update the three texts to its figure (values.yaml
// still said 740-777 MB).
func TestMemoryFigureIsTheGenerated(t *testing.T) {
	bench := string(readRepoFile(t, "docs/benchmarks.md"))
	row := regexp.MustCompile(`(?m)^\| peak resident memory of the controller process, the same fleet \(MiB[^|]*\| (\d+) \|`).FindStringSubmatch(bench)
	require.NotNil(t, row, "docs/benchmarks.md has no peak resident memory row")
	want := row[1] + " MiB"
	for _, doc := range []string{"README.md", "docs/deploy.md", "deploy/helm/prescale/values.yaml"} {
		// The chart's figure is a comment: its lines' # are left out.
		text := strings.Join(slices.DeleteFunc(strings.Fields(string(readRepoFile(t, doc))), func(f string) bool { return f == "#" }), " ")
		text = strings.ReplaceAll(text, "**", "")
		require.Contains(t, text, "peak resident memory "+want, "%s: the generated figure of docs/benchmarks.md", doc)
		require.NotRegexp(t, `\d+[–-]\d+ MB resident|memory \d+[–-]\d+ MB`, text, "%s: a range in MB beside the generated figure", doc)
	}
}
