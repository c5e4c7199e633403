package clihelp

import (
	"bytes"
	"flag"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDuration(t *testing.T) {
	var out bytes.Buffer
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(&out)
	lag := Duration(fs, "lag", 5*time.Minute, "provisioning lag")
	require.NoError(t, fs.Parse([]string{"--lag", "90s"}))
	require.Equal(t, 90*time.Second, *lag)

	err := fs.Parse([]string{"--lag", "300"})
	require.EqualError(t, err, `invalid value "300" for flag -lag: want a duration such as 30s, 5m or 1h30m (a unit is required: 300s or 300m)`)
	require.Equal(t, 90*time.Second, *lag, "unchanged by a bad value")

	var help bytes.Buffer
	Flags(&help, fs, nil)
	require.Contains(t, help.String(), "--lag duration\n", "as the flag package's own duration flags")
	require.Contains(t, help.String(), "(default 5m0s)")
}
