package cgroup

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeFiles writes each path (relative to root) with its content.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// TestReadCgroupLimits reads the limits of process 4242 from fixture
// /proc/4242/cgroup and /sys/fs/cgroup trees, as the kernel lays them out.
func TestReadCgroupLimits(t *testing.T) {
	for _, tc := range []struct {
		name      string
		files     map[string]string
		cpus, mem float64
	}{
		{"no cgroup file", nil, 0, 0},
		{"v2 container", map[string]string{
			"proc/4242/cgroup": "0::/kubepods/pod1/app\n",
			// docker --cpus 1.5 --memory 512m
			"sys/fs/cgroup/kubepods/pod1/app/cpu.max":    "150000 100000\n",
			"sys/fs/cgroup/kubepods/pod1/app/memory.max": "536870912\n",
		}, 1.5, 512 << 20},
		{"v2 unlimited", map[string]string{
			"proc/4242/cgroup": "0::/system.slice/web.service\n",
			"sys/fs/cgroup/system.slice/web.service/cpu.max":    "max 100000\n",
			"sys/fs/cgroup/system.slice/web.service/memory.max": "max\n",
		}, 0, 0},
		{"v2 the pod's limit above the container's unlimited cgroup", map[string]string{
			"proc/4242/cgroup":                        "0::/kubepods/pod1/app\n",
			"sys/fs/cgroup/kubepods/pod1/app/cpu.max": "max 100000\n",
			"sys/fs/cgroup/kubepods/pod1/cpu.max":     "50000 100000\n",
			"sys/fs/cgroup/kubepods/pod1/memory.max":  "1073741824\n",
			"sys/fs/cgroup/kubepods/memory.max":       "8589934592\n",
		}, 0.5, 1 << 30},
		{"v1 (hybrid: v2 mounted at unified without controllers)", map[string]string{
			"proc/4242/cgroup": "9:name=systemd:/\n4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/\n",
			"sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us":  "200000\n",
			"sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes":  "268435456\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes":             "9223372036854771712\n", // v1's "none"
		}, 2, 256 << 20},
		{"v1 without a quota", map[string]string{
			"proc/4242/cgroup":                    "1:cpu:/\n",
			"sys/fs/cgroup/cpu/cpu.cfs_quota_us":  "-1\n",
			"sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
		}, 0, 0},
		// A sidecar in the application's pod (shared process namespace,
		// its own cgroup namespace): the application's own view of its
		// cgroup, through /proc/<pid>/root.
		{"v2 outside the namespace, read through the process's root", map[string]string{
			"proc/4242/cgroup":                               "0::/../cri-containerd-abc.scope\n",
			"proc/4242/root/sys/fs/cgroup/cpu.max":           "100000 100000\n",
			"proc/4242/root/sys/fs/cgroup/memory.max":        "268435456\n",
			"sys/fs/cgroup/cri-containerd-abc.scope/cpu.max": "400000 100000\n", // not the one: outside the namespace
		}, 1, 256 << 20},
		{"a cgroup outside the exporter's namespace is left out", map[string]string{
			"proc/4242/cgroup":      "0::/../../system.slice/docker-abc.scope\n",
			"sys/fs/cgroup/cpu.max": "100000 100000\n",
		}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, tc.files)
			got := Read(os.ReadFile, nil, filepath.Join(root, "proc"), filepath.Join(root, "sys"), "4242")
			require.InDelta(t, tc.cpus, got.CPUs, 1e-12)
			require.InDelta(t, tc.mem, got.MemBytes, 0)
		})
	}
}
