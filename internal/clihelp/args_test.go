package clihelp

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/redact"
)

// TestParseArgs: flags alone parse (ok); -h stops with 0 and the help on
// stdout; a bad flag or any positional argument stops with 2, said once
// on stderr, the argument cut to redact.MaxEchoed.
func TestParseArgs(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		args     []string
		code     int
		ok       bool
		out, err string
	}{
		{[]string{"-n", "2"}, 0, true, "", ""},
		{[]string{"-h"}, 0, false, "The rest of the help.", ""},
		{[]string{"-n", "x"}, 2, false, "", `invalid value "x" for flag --n`},
		{[]string{"-n", "2", "extra"}, 2, false, "", `prog sub: unexpected argument "extra"`},
		{[]string{long}, 2, false, "", `prog sub: unexpected argument "` + redact.Cut(long, redact.MaxEchoed) + `"`},
	} {
		var out, errb bytes.Buffer
		code, ok := ParseArgs(newTestFlags(), tc.args, &out, &errb)
		require.Equal(t, tc.code, code, tc.args)
		require.Equal(t, tc.ok, ok, tc.args)
		if tc.out == "" {
			require.Empty(t, out.String(), tc.args)
		} else {
			require.Contains(t, out.String(), tc.out)
		}
		if tc.err == "" {
			require.Empty(t, errb.String(), tc.args)
		} else {
			require.Contains(t, errb.String(), tc.err)
			require.Equal(t, 1, strings.Count(errb.String(), tc.err), errb.String())
		}
		require.Less(t, errb.Len(), 1000, "repeated whole: %d bytes", errb.Len())
	}
}

// TestSetUsage: -h prints the usage line, the paragraph wrapped to Width,
// the flags in their groups and then the tail.
func TestSetUsage(t *testing.T) {
	fs := newTestFlags()
	about := strings.Repeat("word ", 40)
	SetUsage(fs, "prog sub [-n N]", about, []Group{G("Counts", "n", "f"), G("Rest", "b", "s", "d", "kv")},
		func(w io.Writer) { fmt.Fprintln(w, "\nTAIL") })
	var out, errb bytes.Buffer
	code, ok := ParseArgs(fs, []string{"-h"}, &out, &errb)
	require.Equal(t, 0, code)
	require.False(t, ok)
	help := out.String()
	require.True(t, strings.HasPrefix(help, "usage: prog sub [-n N]\n\nword word"), help)
	require.Empty(t, Problems(help, nil), help)
	counts, rest, tail := strings.Index(help, "Counts"), strings.Index(help, "Rest"), strings.Index(help, "TAIL")
	require.True(t, 0 < counts && counts < rest && rest < tail, help)
	require.Less(t, counts, strings.Index(help, "--n int"), help)
	require.Less(t, strings.Index(help, "--f float"), rest, help)
	require.Less(t, rest, strings.Index(help, "--kv NAME=VALUE"), help)
}
