package envcheck

import (
	"fmt"
	"io"
)

// testOnly are variables the end-to-end tests read (to name the server
// binaries); they are not settings, but not mistakes either.
var testOnly = []string{"PRESCALE_PROMETHEUS_BIN", "PRESCALE_ALERTMANAGER_BIN"}

// Warn writes one line to w for every PRESCALE_* variable in environ that
// none of configs reads, prefixed by program.
func Warn(w io.Writer, program string, environ []string, configs ...any) {
	for _, name := range Unknown(environ, "PRESCALE", testOnly, configs...) {
		fmt.Fprintf(w, "%s: warning: %s is not a prescale setting and is ignored (-h lists them)\n", program, name)
	}
}
