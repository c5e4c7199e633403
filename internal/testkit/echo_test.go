package testkit

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEchoedRun(t *testing.T) {
	all := func(string) bool { return true }
	long := "x," + strings.Repeat("a", 150)
	_, ok := EchoedRun(`bad entry "`+long[2:]+`"`, long, all)
	require.True(t, ok, "an entry after the first, repeated whole")
	_, ok = EchoedRun(`bad entry "`+long[2:102]+`..."`, long, all)
	require.False(t, ok, "cut to 100 bytes")
	_, ok = EchoedRun(`bad entry "`+long[2:]+`"`, long, func(s string) bool { return !strings.Contains(s, "a") })
	require.False(t, ok, "runs the check's quoting changes are not looked for")
	_, ok = EchoedRun("short", "short", all)
	require.False(t, ok)
}
