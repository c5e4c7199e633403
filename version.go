// Package prescale holds what belongs to the repository as a whole: the
// release version in the VERSION file, embedded so that a plain `go build`
// or `go test` (without the Makefile's ldflags) still knows it.
package prescale

import (
	_ "embed"
	"strings"
)

//go:embed VERSION
var versionFile string

// Version is the content of the VERSION file, trimmed.
func Version() string { return strings.TrimSpace(versionFile) }
