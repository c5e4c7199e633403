package deploy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// scalingSets are the rows of the README's scaling table: the label its
// first cell starts with, and where docs/accuracy.md holds the set's
// tables (a section, and a subsection of it where the set has several).
var scalingSets = []struct{ label, section, sub string }{
	{"8 real traces", "## Autoscaling: ", ""},
	{"16 NAB series: the tuning set", "## Tuning set", "### Autoscaling: "},
	{"7 NAB series: the validation set", "## Validation set", "### Autoscaling: "},
	{"8 NAB series: held out", "## Held-out check", "### Autoscaling: "},
}

// TestHeadlineScalingTableIsTheGenerated: every figure of the README's
// scaling table is the one `make bench-accuracy` last wrote to
// docs/accuracy.md for that set: the geometric means of the violation
// ratio, the scale events against the HPA's and the three robustness
// scenarios, and the worst series' ratio and events. After a new `make
// bench-accuracy`, update the table.
func TestHeadlineScalingTableIsTheGenerated(t *testing.T) {
	acc := string(readRepoFile(t, "docs/accuracy.md"))
	readme := string(readRepoFile(t, "README.md"))
	for _, set := range scalingSets {
		section := mdSection(t, acc, set.section)
		if set.sub != "" {
			section = mdSection(t, section, set.sub)
		}
		want := scalingCells(t, section)
		row := readmeRow(t, readme, set.label)[2:]
		for i := range row {
			row[i] = strings.Trim(row[i], "*") // the README bolds the headline figures
		}
		require.Equalf(t, want, row, "README.md's scaling row %q: the figures of docs/accuracy.md's %s", set.label, set.section)
	}
}

// scalingCells are a set's figures as the README's row writes them (but
// for its bold type): the
// violation ratio's geometric mean and worst, the events' geometric mean
// and worst, then lag 600, lag 150 and capacity p99/50 (geometric means).
func scalingCells(t *testing.T, section string) []string {
	t.Helper()
	main := mdTable(t, section, "| trace | capacity | violation ratio vs HPA |")
	robust := mdTable(t, section, "| trace | lag 300 (matched) | lag 600 |")
	geo, geoRobust := main[len(main)-1], robust[len(robust)-1]
	require.Equal(t, "**geometric mean**", geo[0], "the main table's last row")
	require.Equal(t, "**geometric mean**", geoRobust[0], "the robustness table's last row")
	bold := func(s string) string { return strings.Trim(s, "*") }
	return []string{
		bold(geo[2]), worst(t, main[:len(main)-1], 2),
		bold(geo[9]), worst(t, main[:len(main)-1], 9),
		bold(geoRobust[2]), bold(geoRobust[3]), bold(geoRobust[4]),
	}
}

var leadingNumber = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?`)

// worst is the highest figure of a column, as its cell writes it
// (without a note such as "(above)").
func worst(t *testing.T, rows [][]string, col int) string {
	t.Helper()
	best, text := -1.0, ""
	for _, r := range rows {
		s := leadingNumber.FindString(r[col])
		v, err := strconv.ParseFloat(s, 64)
		require.NoErrorf(t, err, "cell %q", r[col])
		if v > best {
			best, text = v, s
		}
	}
	return text
}

// mdTable is the body of the markdown table whose header line starts
// with header: one slice of trimmed cells per row.
func mdTable(t *testing.T, doc, header string) [][]string {
	t.Helper()
	i := strings.Index(doc, header)
	require.GreaterOrEqualf(t, i, 0, "no table headed %q", header)
	lines := strings.Split(doc[i:], "\n")
	var rows [][]string
	for _, line := range lines[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		rows = append(rows, cells(line))
	}
	require.NotEmpty(t, rows, "table %q has no rows", header)
	return rows
}

func cells(line string) []string {
	parts := strings.Split(strings.Trim(line, "|"), "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// readmeRow is the README's table row whose first cell starts with label.
func readmeRow(t *testing.T, readme, label string) []string {
	t.Helper()
	for _, line := range strings.Split(readme, "\n") {
		if strings.HasPrefix(line, "| "+label) {
			return cells(line)
		}
	}
	require.Fail(t, fmt.Sprintf("README.md has no table row for %q", label))
	return nil
}
