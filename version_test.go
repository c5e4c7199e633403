package prescale

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVersionFile(t *testing.T) {
	require.Regexp(t, `^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`, Version(), "VERSION must be a semantic version")
}

// TestChangelogHasVersion keeps CHANGELOG.md in step with VERSION: a release
// section for it and an Unreleased section on top.
func TestChangelogHasVersion(t *testing.T) {
	b, err := os.ReadFile("CHANGELOG.md")
	require.NoError(t, err)
	heads := regexp.MustCompile(`(?m)^## \[([^\]]+)\]`).FindAllStringSubmatch(string(b), -1)
	require.GreaterOrEqual(t, len(heads), 2, "CHANGELOG.md needs an Unreleased section and one per version")
	require.Equal(t, "Unreleased", heads[0][1], "the first section of CHANGELOG.md is Unreleased")
	require.Contains(t, string(b), "## ["+Version()+"] - ", "CHANGELOG.md has no dated section for VERSION %s", Version())
	require.True(t, strings.HasPrefix(string(b), "# Changelog\n"))
}
