package envcheck

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/prescale/prescale/internal/redact"
)

// testOnly are variables the end-to-end tests read (to name the server
// binaries, as docs/development.md says) and the in-process
// benchmarks read (docs/benchmarks.md); they are not settings, but not
// mistakes either.
var testOnly = []string{"PRESCALE_PROMETHEUS_BIN", "PRESCALE_ALERTMANAGER_BIN",
	"PRESCALE_NODE_EXPORTER_BIN", "PRESCALE_VICTORIAMETRICS_BIN",
	"PRESCALE_BENCH_FLEET", "PRESCALE_BENCH_HEAPPROFILE", "PRESCALE_BENCH_RESTLOAD_CLIENT"}

// exporterNamespaces are the name prefixes the exporter's settings use and
// the controller's never do (a test in cmd/prescale checks both configs).
var exporterNamespaces = []string{"PRESCALE_EXPORTER_", "PRESCALE_APP_"}

// Scope says which PRESCALE_* names a program answers for, so that the
// exporter and the controller can share an environment without either
// importing the other's configuration (the controller's pulls in the TSDB
// and the PromQL engine).
type Scope func(name string) bool

// ExporterScope is the exporter's namespaces.
func ExporterScope(name string) bool {
	for _, p := range exporterNamespaces {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// ControllerScope is every name outside the exporter's namespaces.
func ControllerScope(name string) bool { return !ExporterScope(name) }

// AllScope is every name (a program that reads both configurations).
func AllScope(string) bool { return true }

// Warn writes one line to w for every PRESCALE_* variable in environ, within
// scope, that none of configs reads, prefixed by program.
func Warn(w io.Writer, program string, environ []string, scope Scope, configs ...any) {
	names := Names("PRESCALE", configs...)
	for _, name := range Unknown(environ, "PRESCALE", testOnly, configs...) {
		if !scope(name) {
			continue
		}
		hint := "-h lists them"
		if near := Nearest(name, names); near != "" {
			hint = "did you mean " + near + "?"
		}
		// The name is cut to redact.MaxEchoed: a 5,000-byte one was repeated whole.
		fmt.Fprintf(w, "%s: warning: %s is not a prescale setting and is ignored (%s)\n", program, redact.Cut(name, redact.MaxEchoed), hint)
	}
}

// WarnUnread writes one line to w for each of names that environ sets to a
// value: a setting program knows but does not read, and why. Each was
// ignored without a word (prescale run serves the exporter on its one
// listener). A name set to the empty string asks for nothing and is not
// named, as the controller's own set-but-unused warnings (config.Unused)
// leave out a variable whose value is empty.
func WarnUnread(w io.Writer, program string, environ, names []string, why string) {
	for _, kv := range environ {
		if name, value, _ := strings.Cut(kv, "="); value != "" && slices.Contains(names, name) {
			fmt.Fprintf(w, "%s: warning: %s is set but unused: %s\n", program, name, why)
		}
	}
}
