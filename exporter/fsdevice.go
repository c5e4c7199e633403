package exporter

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/shirou/gopsutil/v4/common"

	"github.com/prescale/prescale/exporter/internal/hostpath"
)

// fsDevice is a mount's device label: the kernel's name for a
// device-mapper volume (/dev/dm-2, as the disk metrics' device="dm-2"),
// however the exporter sees /dev. gopsutil resolves a /dev/mapper/NAME
// source through the link under HOST_DEV, its root included
// (HOST_DEV/dm-2), and leaves it as it is where that /dev has no such link
// (a container reading the host's HOST_PROC and HOST_SYS). HOST_DEV's root
// becomes /dev, and a /dev/mapper/NAME still unresolved is looked up in
// names (mapperNames).
func fsDevice(ctx context.Context, dev string, names func() map[string]string) string {
	if root := filepath.Clean(hostpath.Of(ctx, common.HostDevEnvKey, "/dev")); root != "/dev" {
		if rest, ok := strings.CutPrefix(dev, root+"/"); ok {
			dev = "/dev/" + rest
		}
	}
	if name, ok := strings.CutPrefix(dev, "/dev/mapper/"); ok {
		if kernel, ok := names()[name]; ok {
			return "/dev/" + kernel
		}
	}
	return dev
}

// mapperNames maps the names of the device-mapper volumes
// (HOST_SYS/block/dm-N/dm/name, what /dev/mapper/ links are named after)
// to their kernel names (dm-N). An unreadable entry is left out.
func mapperNames(ctx context.Context) map[string]string {
	paths, _ := filepath.Glob(hostpath.Of(ctx, common.HostSysEnvKey, "/sys", "block", "dm-*", "dm", "name"))
	out := make(map[string]string, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		out[strings.TrimSpace(string(b))] = filepath.Base(filepath.Dir(filepath.Dir(p)))
	}
	return out
}
