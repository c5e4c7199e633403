package exporter

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMalformedDiskstatsLine: one line of /proc/diskstats that cannot be
// parsed is left out and counted, the other devices still published and
// the disk source still successful (it failed whole); the warning is
// logged once while the file stays malformed.
func TestMalformedDiskstatsLine(t *testing.T) {
	tree := copyTree(t, fixtureRoot(t))
	path := filepath.Join(tree, "proc", "diskstats")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	bad := " 253 16 vdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n 253 32 vdc 1 2 -3 4 5 6 7 8 9 10 11 0 0 0 0\n"
	require.NoError(t, os.WriteFile(path, append([]byte(bad), data...), 0o644))
	var logs bytes.Buffer
	c, err := NewCollector(DefaultConfig(), WithEnv(fixtureEnv(tree)), WithNow(fixedNow), WithFilesystemUsage(fakeUsage(tree)),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)

	for range 2 {
		got := gatherValues(t, c)
		require.InDelta(t, 1.0, got[success("disk")], 0)
		require.InDelta(t, 1.0, got["prescale_exporter_diskstats_skipped_lines"], 0)
		require.InDelta(t, 45.0, got[`prescale_disk_io_time_seconds_total{device="vda"}`], 0)
		require.InDelta(t, 0.010, got[`prescale_disk_io_time_seconds_total{device="vdb"}`], 1e-12, "the good line before the bad one")
		require.Contains(t, got, `prescale_disk_io_now{device="sdb"}`)
		require.NotContains(t, got, `prescale_disk_io_now{device="vdc"}`)
	}
	require.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), logs.String())
	require.Contains(t, logs.String(), `diskstats line 2: \"vdc\" field 6: \"-3\" is not a count`)

	require.NoError(t, os.WriteFile(path, data, 0o644))
	require.Zero(t, gatherValues(t, c)["prescale_exporter_diskstats_skipped_lines"])
}
