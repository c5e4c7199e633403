package exporter

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shirou/gopsutil/v4/disk"
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

// TestMalformedExcludedDiskstatsLine: a malformed line of a device the
// disk devices exclude setting leaves out (a partition, by default) is not
// counted or warned about: it would not have been published. With no
// exclude setting the same line is counted.
func TestMalformedExcludedDiskstatsLine(t *testing.T) {
	tree := copyTree(t, fixtureRoot(t))
	appendFile(t, filepath.Join(tree, "proc", "diskstats"), " 253 2 vda2 1 2 -3 4 5 6 7 8 9 10 11 0 0 0 0\n 7 1 loop1 1 2\n")
	for _, exclude := range []string{DefaultDiskDevicesExclude, ""} {
		cfg := DefaultConfig()
		cfg.DiskDevicesExclude = exclude
		var logs bytes.Buffer
		c, err := NewCollector(cfg, WithEnv(fixtureEnv(tree)), WithNow(fixedNow), WithFilesystemUsage(fakeUsage(tree)),
			WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		require.NoError(t, err)
		got := gatherValues(t, c)
		require.InDelta(t, 1.0, got[success("disk")], 0)
		require.Contains(t, got, `prescale_disk_io_now{device="vda"}`)
		require.NotContains(t, got, `prescale_disk_io_now{device="vda2"}`)
		if exclude != "" {
			require.Zero(t, got["prescale_exporter_diskstats_skipped_lines"])
			require.NotContains(t, logs.String(), "level=WARN")
			continue
		}
		require.InDelta(t, 2.0, got["prescale_exporter_diskstats_skipped_lines"], 0, "no exclude: both lines count")
		require.Contains(t, logs.String(), `diskstats line 7: \"vda2\" field 6: \"-3\" is not a count`)
	}
}

// TestDeviceMapperLabels: an LVM volume (dm-2, named vg0-lv_data, mounted
// from /dev/mapper/vg0-lv_data) on a fixture host. Its disk metrics carry
// the kernel's name, device="dm-2", as node_exporter's do (its
// node_disk_device_mapper_info joins the name on that label); its file
// system's device is /dev/dm-2 (docs/metrics.md: the kernel's name, matching the
// disk metrics, where node_exporter prints the mount source), whether the
// exporter's /dev holds the /dev/mapper link (a host) or not (a container
// reading the host's HOST_PROC and HOST_SYS), and never the HOST_DEV path.
func TestDeviceMapperLabels(t *testing.T) {
	for _, link := range []bool{false, true} {
		t.Run(map[bool]string{false: "no /dev/mapper link", true: "/dev/mapper link under HOST_DEV"}[link], func(t *testing.T) {
			tree := copyTree(t, fixtureRoot(t))
			appendFile(t, filepath.Join(tree, "proc", "diskstats"), " 253       2 dm-2 700 0 5600 70 300 0 2400 30 0 90 100 0 0 0 0\n")
			appendFile(t, filepath.Join(tree, "proc", "self", "mountinfo"), "29 22 253:2 / /srv rw,relatime shared:31 - ext4 /dev/mapper/vg0-lv_data rw\n")
			require.NoError(t, os.MkdirAll(filepath.Join(tree, "sys", "block", "dm-2", "dm"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(tree, "sys", "block", "dm-2", "dm", "name"), []byte("vg0-lv_data\n"), 0o644))
			if link {
				require.NoError(t, os.MkdirAll(filepath.Join(tree, "dev", "mapper"), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(tree, "dev", "dm-2"), nil, 0o644))
				require.NoError(t, os.Symlink("../dm-2", filepath.Join(tree, "dev", "mapper", "vg0-lv_data")))
			}
			usage := func(ctx context.Context, path string) (*disk.UsageStat, error) {
				if path == filepath.Join(tree, "srv") {
					return &disk.UsageStat{Total: 10 << 30, Used: 1 << 30, Free: 9 << 30}, nil
				}
				return fakeUsage(tree)(ctx, path)
			}
			c, err := NewCollector(DefaultConfig(), WithEnv(fixtureEnv(tree)), WithNow(fixedNow), WithFilesystemUsage(usage))
			require.NoError(t, err)
			got := gatherValues(t, c)
			require.InDelta(t, 0.09, got[`prescale_disk_io_time_seconds_total{device="dm-2"}`], 1e-12)
			require.InDelta(t, 5600.0*512, got[`prescale_disk_read_bytes_total{device="dm-2"}`], 0)
			require.InDelta(t, 10.0*(1<<30), got[`prescale_filesystem_size_bytes{device="/dev/dm-2",fstype="ext4",mountpoint="/srv"}`], 0)
			for k := range got {
				require.NotContains(t, k, "vg0-lv_data")
				require.NotContains(t, k, tree)
			}
		})
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(text)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}
