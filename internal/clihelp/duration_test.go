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
	require.NoError(t, fs.Parse([]string{"--lag", "1d"}))
	require.Equal(t, 24*time.Hour, *lag, "Prometheus' syntax, as --range and the variables")
	require.NoError(t, fs.Parse([]string{"--lag", "90s"}))
	require.Equal(t, 90*time.Second, *lag)

	err := fs.Parse([]string{"--lag", "300"})
	require.EqualError(t, err, `invalid value "300" for flag -lag: want a duration such as 30s, 5m, 1h30m or 14d (a unit is required: 300s or 300m)`)
	require.Equal(t, 90*time.Second, *lag, "unchanged by a bad value")

	var help bytes.Buffer
	Flags(&help, fs, nil)
	require.Contains(t, help.String(), "--lag duration\n", "as the flag package's own duration flags")
	require.Contains(t, help.String(), "(default 5m0s)")
}

// TestParseDuration: the one reading of a duration the variables, the
// flags and the targets file share: Go's syntax, Prometheus' (days,
// weeks, years and their sums, as in a range selector) and a decimal
// number of days or weeks, as `prescale backtest --range` took them. The
// variables read Go's alone (PRESCALE_HISTORY_WINDOW=14d was refused where
// --range 14d was taken).
func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{
		"90s": 90 * time.Second, "1h30m": 90 * time.Minute, "1.5h": 90 * time.Minute, "-5m": -5 * time.Minute, "0": 0, "250ms": 250 * time.Millisecond,
		"14d": 14 * day, "2w": 14 * day, "1d12h": 36 * time.Hour, "1y": 365 * day, "1w2d": 9 * day, "-1d": -day,
		"1.5d": 36 * time.Hour, "0.5w": 84 * time.Hour,
	} {
		got, err := ParseDuration(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "soon", "300", "14x", "1e10w", "Infd", "1e300d", "1e-15d", "0x1p-60w", "1h1d", "d", " 5m", "300y"} {
		_, err := ParseDuration(in)
		require.Error(t, err, in)
	}
}

// FuzzParseDuration: any string either is no duration or reads as Go's
// syntax does where Go's reads it, and its duration written in Go's syntax
// (as -h, the logs and the API show it) reads back the same. The flags,
// the variables and the targets file read durations with it alone
// (durationValue).
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"14d", "1d12h", "1.5d", "-1d", "90s", "1e10w", "300y", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if g, err := time.ParseDuration(s); err == nil {
			require.Equal(t, g, d, "%q", s)
		}
		back, err := time.ParseDuration(d.String())
		require.NoError(t, err)
		require.Equal(t, d, back, "%q", s)
	})
}
