package archtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// headingAnchors are the anchors GitHub gives a Markdown file's headings:
// lower case, every character but letters, digits, spaces, hyphens and
// underscores dropped, spaces made hyphens, and a repeated anchor
// suffixed -1, -2, ... Fenced code is no heading.
func headingAnchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	anchors, seen := map[string]bool{}, map[string]int{}
	fenced := false
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		text, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " ")
		if fenced || !strings.HasPrefix(line, "#") || !ok {
			continue
		}
		slug := strings.Map(func(r rune) rune {
			switch {
			case r == ' ':
				return '-'
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				return unicode.ToLower(r)
			}
			return -1
		}, strings.TrimSpace(text))
		if n := seen[slug]; n > 0 {
			anchors[slug+"-"+strconv.Itoa(n)] = true
		} else {
			anchors[slug] = true
		}
		seen[slug]++
	}
	return anchors
}

// TestDocsLinksResolve: every relative link of README.md and docs/*.md
// names a file of the repository and, with an anchor into a Markdown
// file, one of its headings. The architecture document and the controller
// reference sent readers to README.md#controller-1, which no heading has.
func TestDocsLinksResolve(t *testing.T) {
	root := moduleRoot(t)
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	docs = append(docs, filepath.Join(root, "README.md"))
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	checked := 0
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		require.NoError(t, err)
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			if strings.Contains(m[1], "://") || strings.HasPrefix(m[1], "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(m[1], "#")
			target := doc
			if path != "" {
				target = filepath.Join(filepath.Dir(doc), path)
			}
			_, err := os.Stat(target)
			require.NoError(t, err, "%s links to %s, which does not exist", filepath.Base(doc), m[1])
			if anchor != "" && strings.HasSuffix(target, ".md") {
				checked++
				require.True(t, headingAnchors(t, target)[anchor], "%s links to %s: %s has no heading with that anchor", filepath.Base(doc), m[1], filepath.Base(target))
			}
		}
	}
	require.Greater(t, checked, 10, "no anchored links found")
}

func TestHeadingAnchors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.md")
	require.NoError(t, os.WriteFile(path, []byte("# prescale\n## Controller (`prescale-controller`, and `prescale run`)\n```\n# not a heading\n```\n## Metrics\n### Controller\n### Controller\n#### `prescale_app_load_score`\n"), 0o600))
	require.Equal(t, map[string]bool{"prescale": true, "controller-prescale-controller-and-prescale-run": true, "metrics": true,
		"controller": true, "controller-1": true, "prescale_app_load_score": true}, headingAnchors(t, path))
}
