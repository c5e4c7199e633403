package testkit

import (
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// DefaultsRow is one row of docs/tuning.md's tables under "Defaults and
// the data that chose them".
type DefaultsRow struct {
	// Code is the constant the row is about, package.Name as the first
	// column names it ("engine.DefaultRiskPerUnit"); "" for a row of
	// variables only.
	Code string
	// Vars are the PRESCALE_* variables the first column names.
	Vars []string
	// Flags are the flags of prescale backtest the first column names,
	// without their dashes ("risk").
	Flags []string
	// Value is the value column, without its backticks.
	Value string
}

// defaultsHeading opens the section whose tables DefaultsTable reads.
const defaultsHeading = "## Defaults and the data that chose them"

var (
	backticked = regexp.MustCompile("`([^`]+)`")
	codeName   = regexp.MustCompile(`^[a-z]+\.[A-Za-z][A-Za-z0-9_.]*$`)
)

// DefaultsTable reads the rows of the tables of defaults in
// docs/tuning.md (every table row of the section, headers aside).
func DefaultsTable(t testing.TB) []DefaultsRow {
	t.Helper()
	doc := string(ReadFile(t, filepath.Join(ModuleRoot(t), "docs", "tuning.md")))
	_, section, ok := strings.Cut(doc, "\n"+defaultsHeading+"\n")
	require.True(t, ok, "docs/tuning.md has no heading %q", defaultsHeading)
	section, _, _ = strings.Cut(section, "\n## ")
	var rows []DefaultsRow
	for line := range strings.SplitSeq(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		require.GreaterOrEqual(t, len(cells), 2, "docs/tuning.md: a defaults row without a value: %s", line)
		var row DefaultsRow
		for i, m := range backticked.FindAllStringSubmatch(cells[0], -1) {
			switch {
			case i == 0 && codeName.MatchString(m[1]):
				row.Code = m[1]
			case strings.HasPrefix(m[1], "PRESCALE_"):
				row.Vars = append(row.Vars, m[1])
			case strings.HasPrefix(m[1], "--"):
				row.Flags = append(row.Flags, strings.TrimPrefix(m[1], "--"))
			}
		}
		row.Value = strings.Trim(cells[1], "`")
		require.True(t, row.Code != "" || len(row.Vars) > 0, "docs/tuning.md: a defaults row names no constant and no variable: %s", line)
		rows = append(rows, row)
	}
	require.NotEmpty(t, rows, "docs/tuning.md: no rows under %q", defaultsHeading)
	return rows
}

// RequireDefaultsRows checks the rows of DefaultsTable whose constant is
// in package pkg ("engine") against values, the package's constants by
// the names the table gives them: each such row has a constant in values
// and its value, and each constant in values has a row. A value is
// compared as its kind reads the column: a duration as
// time.ParseDuration reads it, a number as a number, a string (or a
// named string type) as it is.
func RequireDefaultsRows(t testing.TB, pkg string, values map[string]any) {
	t.Helper()
	var named []string
	for _, row := range DefaultsTable(t) {
		if !strings.HasPrefix(row.Code, pkg+".") {
			continue
		}
		named = append(named, row.Code)
		v, ok := values[row.Code]
		require.True(t, ok, "docs/tuning.md's defaults table has a row for %s, which this test does not know: add it to the test", row.Code)
		require.True(t, sameDefault(t, v, row.Value), "docs/tuning.md says %s is %q; the code has %v", row.Code, row.Value, v)
	}
	for name := range values {
		require.True(t, slices.Contains(named, name), "%s has no row in docs/tuning.md's defaults table", name)
	}
}

// sameDefault reports whether the table's value s reads as v.
func sameDefault(t testing.TB, v any, s string) bool {
	t.Helper()
	if d, ok := v.(time.Duration); ok {
		got, err := time.ParseDuration(s)
		require.NoError(t, err, "docs/tuning.md: %q is no duration", s)
		return got == d
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Float32, reflect.Float64:
		got, err := strconv.ParseFloat(s, 64)
		return err == nil && got == rv.Float()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		got, err := strconv.ParseInt(s, 10, 64)
		return err == nil && got == rv.Int()
	case reflect.String:
		return rv.String() == s
	case reflect.Bool:
		got, err := strconv.ParseBool(s)
		return err == nil && got == rv.Bool()
	}
	require.Failf(t, "unsupported default", "%T", v)
	return false
}
