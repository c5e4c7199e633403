package exporter

import (
	"regexp"
	"strings"
	"testing"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/net"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/exporter/internal/procfs"
)

// The tests below feed the pure conversion functions with literals.

func TestCPUSamples(t *testing.T) {
	got := cpuSamples([]cpu.TimesStat{
		{CPU: "cpu0", User: 1, Nice: 2, System: 3, Idle: 4, Iowait: 5, Irq: 6, Softirq: 7, Steal: 8, Guest: 99},
		{CPU: "cpu1", Idle: 10},
	})
	require.Equal(t, []cpuSample{
		{cpu: "0", seconds: [8]float64{1, 2, 3, 4, 5, 6, 7, 8}}, // guest is part of user already
		{cpu: "1", seconds: [8]float64{0, 0, 0, 10, 0, 0, 0, 0}},
	}, got)
	require.Empty(t, cpuSamples(nil))
}

func TestMemoryFrom(t *testing.T) {
	tests := []struct {
		name string
		in   mem.VirtualMemoryStat
		want memoryValues
	}{
		{"states partition the total",
			mem.VirtualMemoryStat{Total: 100, Free: 20, Buffers: 5, Cached: 30, Available: 50, SwapTotal: 40, SwapFree: 10},
			memoryValues{size: 100, available: 50, used: 45, free: 20, buffers: 5, cached: 30, swapSize: 40, swapUsed: 30, swapFree: 10}},
		{"no swap", mem.VirtualMemoryStat{Total: 10, Free: 10, Available: 10},
			memoryValues{size: 10, available: 10, free: 10}},
		{"inconsistent reading clamps used at 0",
			mem.VirtualMemoryStat{Total: 10, Free: 8, Cached: 5},
			memoryValues{size: 10, free: 8, cached: 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, memoryFrom(&tc.in))
		})
	}
}

// TestDiskSamples: sectors of 512 bytes, milliseconds to seconds, sorted
// by device; of a device on two lines the last is kept (both published
// failed the whole scrape: duplicate metric).
func TestDiskSamples(t *testing.T) {
	got := diskSamples([]procfs.DiskStat{
		{Name: "vda", ReadSectors: 1, WriteSectors: 2, Reads: 1, Writes: 2, ReadMillis: 1500, WriteMillis: 250, IOMillis: 1000, InProgress: 3},
		{Name: "vda1", ReadSectors: 1},
		{Name: "loop0", Reads: 1},
		{Name: "sdb"},
		{Name: "loop0", Reads: 2},
	})
	require.Equal(t, []diskSample{
		{device: "loop0", reads: 2},
		{device: "sdb"},
		{device: "vda", readBytes: 512, writtenBytes: 1024, reads: 1, writes: 2, readTime: 1.5, writeTime: 0.25, ioTime: 1, ioNow: 3},
		{device: "vda1", readBytes: 512},
	}, got)
}

func TestNetSamples(t *testing.T) {
	got := netSamples([]net.IOCountersStat{
		{Name: "lo", BytesRecv: 1, BytesSent: 1},
		{Name: "eth0", BytesRecv: 10, BytesSent: 20, PacketsRecv: 3, PacketsSent: 4, Errin: 5, Errout: 6, Dropin: 7, Dropout: 8},
	})
	require.Equal(t, []netSample{
		{"eth0", "receive", 10, 3, 5, 7},
		{"eth0", "transmit", 20, 4, 6, 8},
		{"lo", "receive", 1, 0, 0, 0},
		{"lo", "transmit", 1, 0, 0, 0},
	}, got)
}

func TestSelectPartitions(t *testing.T) {
	parts := []disk.PartitionStat{
		{Device: "/dev/vda1", Mountpoint: "/", Fstype: "ext4"},
		{Device: "proc", Mountpoint: "/proc", Fstype: "proc"},
		{Device: "cgroup2", Mountpoint: "/sys/fs/cgroup", Fstype: "cgroup2"},
		{Device: "overlay", Mountpoint: "/var/lib/docker/overlay2/x/merged", Fstype: "overlay"},
		{Device: "tmpfs", Mountpoint: "/run", Fstype: "tmpfs"},
		{Device: "/dev/sdb1", Mountpoint: "/data", Fstype: "xfs"},
		{Device: "/dev/sdc1", Mountpoint: "/data", Fstype: "ext4"}, // mounted over the first
		{Device: "binfmt_misc", Mountpoint: "/srv/binfmt", Fstype: "binfmt_misc"},
	}
	got := selectPartitions(parts, regexp.MustCompile(DefaultMountPointsExclude), regexp.MustCompile(DefaultFSTypesExclude))
	require.Equal(t, []disk.PartitionStat{
		{Device: "/dev/vda1", Mountpoint: "/", Fstype: "ext4"},
		{Device: "/dev/sdc1", Mountpoint: "/data", Fstype: "ext4"},
		{Device: "tmpfs", Mountpoint: "/run", Fstype: "tmpfs"},
	}, got)
	require.Len(t, selectPartitions(parts, nil, nil), 7, "no excludes keep every mount point once")
}

func TestFSSampleFrom(t *testing.T) {
	p := disk.PartitionStat{Device: "/dev/vda1", Mountpoint: "/", Fstype: "ext4"}
	// 1000 bytes, 600 used, 350 available to users: 400 free including root's 50.
	got := fsSampleFrom(p, &disk.UsageStat{Total: 1000, Used: 600, Free: 350})
	require.Equal(t, fsSample{device: "/dev/vda1", mountpoint: "/", fstype: "ext4", size: 1000, free: 400, avail: 350}, got)
	got = fsSampleFrom(p, &disk.UsageStat{Total: 10, Used: 20})
	require.Zero(t, got.free, "never negative")
}

func TestParseBootTimeAndUptime(t *testing.T) {
	btime, err := procfs.BootTime([]byte("cpu  1 2 3\nctxt 5\nbtime 1764000000\nprocesses 9\n"))
	require.NoError(t, err)
	require.InDelta(t, 1764000000.0, btime, 0)
	_, err = procfs.BootTime([]byte("cpu 1 2 3\n"))
	require.EqualError(t, err, "no btime line")
	_, err = procfs.BootTime([]byte("btime soon\n"))
	require.EqualError(t, err, `btime "soon": invalid syntax`)

	up, err := procfs.Uptime([]byte("350735.47 234388.90\n"))
	require.NoError(t, err)
	require.InDelta(t, 350735.47, up, 0)
	_, err = procfs.Uptime(nil)
	require.EqualError(t, err, "empty")
}

func TestParseProcesses(t *testing.T) {
	c, err := procfs.Processes([]byte("cpu  1 2 3\nctxt 5\nbtime 1764000000\nprocesses 9\nprocs_running 2\nprocs_blocked 1\n"))
	require.NoError(t, err)
	require.Equal(t, procfs.ProcessCounts{Created: 9, Running: 2, Blocked: 1, ContextSwitches: 5}, c)
	c, err = procfs.Processes([]byte("ctxt 0\nprocesses 0\nprocs_running 0\n"))
	require.NoError(t, err, "gVisor's lines of zeros")
	require.Zero(t, c)
	for _, in := range []string{"", "cpu 1 2 3\nprocs_running 2\n", "ctxt many\nprocesses -1\n"} {
		_, err = procfs.Processes([]byte(in))
		require.EqualError(t, err, "no ctxt or processes line", in)
	}
}

func TestCountTCPStates(t *testing.T) {
	const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1
   2: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 3 1
   3: 0100007F:1F90 0100007F:C351 06 00000000:00000000 00:00000000 00000000     0        0 0 3
   4: 0100007F:1F90 0100007F:C352 0B 00000000:00000000 00:00000000 00000000     0        0 4 1
`
	var counts [len(procfs.TCPStates)]float64
	require.NoError(t, procfs.CountTCPStates(strings.NewReader(table), 8080, &counts))
	// 8080 is 0x1F90: one listening socket, one established (the client
	// side, local port 0xC350, does not count), one in time_wait, one
	// closing (0B, the last state).
	require.Equal(t, [len(procfs.TCPStates)]float64{0: 1, 5: 1, 9: 1, 10: 1}, counts)

	err := procfs.CountTCPStates(strings.NewReader("header\n 0: 0100007F:XYZ 0:0 01\n"), 8080, &counts)
	require.EqualError(t, err, `bad local port in "0100007F:XYZ": invalid syntax`)
}

func TestParsePidFile(t *testing.T) {
	tests := []struct {
		in, err string
		want    int32
	}{
		{in: "4242\n", want: 4242},
		{in: "  17  ", want: 17},
		{in: "", err: "empty"},
		{in: "0", err: `"0" is not a positive pid`},
		{in: "abc", err: `"abc" is not a positive pid`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := procfs.PidFile([]byte(tc.in))
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
