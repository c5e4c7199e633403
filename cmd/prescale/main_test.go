package main

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		t.Run(args[0], func(t *testing.T) {
			var out, errb bytes.Buffer
			code := dispatch(t.Context(), args, &out, &errb)
			require.Equal(t, 0, code, "stderr: %s", errb.String())
			// Built by go test, without the Makefile's ldflags: the VERSION file.
			require.Contains(t, out.String(), "prescale, version "+prescale.Version()+" (branch: unknown, revision: ")
			require.Contains(t, out.String(), "go version:       "+runtime.Version())
		})
	}
	var out, errb bytes.Buffer
	require.Equal(t, 2, dispatch(t.Context(), []string{"version", "extra"}, &out, &errb))
	require.Contains(t, errb.String(), `prescale version: unexpected argument "extra"`)
}
