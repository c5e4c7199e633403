package buildinfo

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/version"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale"
)

// versionFields are the linker-set fields of prometheus/common/version:
// version, revision, branch, build user, build date.
func versionFields() []*string {
	return []*string{&version.Version, &version.Revision, &version.Branch, &version.BuildUser, &version.BuildDate}
}

// setVersion sets the linker-set fields for one test (in versionFields'
// order; missing ones empty) and restores them after.
func setVersion(t *testing.T, values ...string) {
	saved := versionValues()
	t.Cleanup(func() { setFields(saved) })
	setFields(values)
}

func setFields(values []string) {
	for i, f := range versionFields() {
		*f = ""
		if i < len(values) {
			*f = values[i]
		}
	}
}

func versionValues() []string {
	var out []string
	for _, f := range versionFields() {
		out = append(out, *f)
	}
	return out
}

func buildInfo(mainVersion string) func() (*debug.BuildInfo, bool) {
	return func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/prescale/prescale", Version: mainVersion}}, true
	}
}

func TestCompleteWithoutLdflags(t *testing.T) {
	for _, tc := range []struct {
		name, file, main, want string
		ok                     bool
	}{
		{"go build in the repository", "0.1.0", "(devel)", "0.1.0", true},
		{"no build info", "0.1.0", "", "0.1.0", false},
		{"go install module@version", "0.1.0", "v0.2.0", "0.2.0", true},
		{"no VERSION content", "", "(devel)", "unknown", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setVersion(t)
			read := buildInfo(tc.main)
			if !tc.ok {
				read = func() (*debug.BuildInfo, bool) { return nil, false }
			}
			complete(tc.file, read)
			require.NotEmpty(t, version.Revision)
			require.Equal(t, []string{tc.want, version.Revision, "unknown", "unknown", "unknown"}, versionValues())
		})
	}
}

func TestCompleteKeepsLdflags(t *testing.T) {
	ldflags := []string{"9.9.9", "abc123", "main", "ci@host", "20260101-00:00:00"}
	setVersion(t, ldflags...)
	complete("0.1.0", buildInfo("v0.2.0"))
	require.Equal(t, ldflags, versionValues())
}

func TestPrint(t *testing.T) {
	setVersion(t, "1.2.3", "deadbeef", "main")
	var b bytes.Buffer
	Print(&b, "prescale")
	out := b.String()
	require.Contains(t, out, "prescale, version 1.2.3 (branch: main, revision: deadbeef)")
	require.Contains(t, out, "go version:       "+runtime.Version())
	require.Contains(t, out, "platform:         "+runtime.GOOS+"/"+runtime.GOARCH)
}

// TestInitUsesVersionFile checks what a plain `go test` binary (no ldflags)
// reports: the VERSION file.
func TestInitUsesVersionFile(t *testing.T) {
	require.NotEmpty(t, prescale.Version())
	require.Equal(t, prescale.Version(), version.Version)
}

// TestBuildInfoMetric checks that the registry every binary starts from
// carries client_golang's build_info, built after this package's init with
// the completed version, beside the Go and process metrics.
func TestBuildInfoMetric(t *testing.T) {
	reg := NewRegistry("prescale")
	mfs, err := reg.Gather()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	require.True(t, names["go_goroutines"], "Go collector")
	require.True(t, names["process_start_time_seconds"], "process collector")
	want := fmt.Sprintf(`
# HELP prescale_build_info A metric with a constant '1' value labeled by version, revision, branch, goversion from which prescale was built, and the goos and goarch for the build.
# TYPE prescale_build_info gauge
prescale_build_info{branch="unknown",goarch=%q,goos=%q,goversion=%q,revision=%q,tags=%q,version=%q} 1
`, runtime.GOARCH, runtime.GOOS, runtime.Version(), version.GetRevision(), version.GetTags(), prescale.Version())
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want), "prescale_build_info"))
}

func TestIsVersionArg(t *testing.T) {
	for _, a := range []string{"version", "-version", "--version"} {
		require.True(t, IsVersionArg(a), a)
	}
	for _, a := range []string{"", "-v", "versions", "---version", "-h"} {
		require.False(t, IsVersionArg(a), a)
	}
}
