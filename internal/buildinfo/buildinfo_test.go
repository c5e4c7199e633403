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

// resetVersion empties the linker-set fields for one test and restores them.
func resetVersion(t *testing.T) {
	saved := []string{version.Version, version.Revision, version.Branch, version.BuildUser, version.BuildDate}
	t.Cleanup(func() {
		version.Version, version.Revision, version.Branch, version.BuildUser, version.BuildDate =
			saved[0], saved[1], saved[2], saved[3], saved[4]
	})
	version.Version, version.Revision, version.Branch, version.BuildUser, version.BuildDate = "", "", "", "", ""
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
			resetVersion(t)
			read := buildInfo(tc.main)
			if !tc.ok {
				read = func() (*debug.BuildInfo, bool) { return nil, false }
			}
			complete(tc.file, read)
			require.Equal(t, tc.want, version.Version)
			require.NotEmpty(t, version.Revision)
			require.Equal(t, "unknown", version.Branch)
			require.Equal(t, "unknown", version.BuildUser)
			require.Equal(t, "unknown", version.BuildDate)
		})
	}
}

func TestCompleteKeepsLdflags(t *testing.T) {
	resetVersion(t)
	version.Version, version.Revision, version.Branch = "9.9.9", "abc123", "main"
	version.BuildUser, version.BuildDate = "ci@host", "20260101-00:00:00"
	complete("0.1.0", buildInfo("v0.2.0"))
	require.Equal(t, "9.9.9", version.Version)
	require.Equal(t, "abc123", version.Revision)
	require.Equal(t, "main", version.Branch)
	require.Equal(t, "ci@host", version.BuildUser)
	require.Equal(t, "20260101-00:00:00", version.BuildDate)
}

func TestPrint(t *testing.T) {
	resetVersion(t)
	version.Version, version.Revision, version.Branch = "1.2.3", "deadbeef", "main"
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
