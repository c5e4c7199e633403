// Package buildinfo completes github.com/prometheus/common/version, the
// Prometheus ecosystem's build information, for binaries built without the
// Makefile's -ldflags: the version falls back to the VERSION file embedded
// in the source, the revision to the VCS stamp of the Go toolchain (then
// "unknown"), the other fields to "unknown". Importing the package is
// enough; its init runs before any importer's, so version.Print and the
// client_golang build_info collector see the completed values. NewRegistry
// is the metrics registry every binary starts from.
package buildinfo

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"

	"github.com/prescale/prescale"
)

const unknown = "unknown"

func init() { complete(prescale.Version(), debug.ReadBuildInfo) }

// complete fills the fields the linker left empty. readBuildInfo is
// debug.ReadBuildInfo, injected for tests.
func complete(fileVersion string, readBuildInfo func() (*debug.BuildInfo, bool)) {
	if version.Version == "" {
		version.Version = fileVersion
		if bi, ok := readBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			// go install module@vX.Y.Z stamps the module version.
			version.Version = strings.TrimPrefix(bi.Main.Version, "v")
		}
	}
	if version.Version == "" {
		version.Version = unknown
	}
	if version.Revision == "" {
		version.Revision = version.GetRevision() // vcs.revision, or "unknown"
	}
	for _, f := range []*string{&version.Branch, &version.BuildUser, &version.BuildDate} {
		if *f == "" {
			*f = unknown
		}
	}
}

// Print writes the version report of program (version, revision, branch,
// build user and date, Go version, platform) in the style every Prometheus
// binary prints for --version.
func Print(w io.Writer, program string) {
	fmt.Fprintln(w, version.Print(program))
}

// IsVersionArg reports whether arg asks a binary for its version: the
// subcommand "version" or the flag -version / --version.
func IsVersionArg(arg string) bool {
	return arg == "version" || arg == "-version" || arg == "--version"
}

// NewRegistry is the registry a binary starts from (the global one is never
// used): the Go and process collectors and <namespace>_build_info, which
// carries what Print reports.
func NewRegistry(namespace string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector(namespace))
	return reg
}
