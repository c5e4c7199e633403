// Package hostpath resolves the exporter's paths under gopsutil's roots
// (HOST_PROC, HOST_SYS, HOST_ROOT, HOST_DEV) the way gopsutil does, for
// the files it has no context-aware reader for.
package hostpath

import (
	"context"
	"os"
	"path/filepath"

	"github.com/shirou/gopsutil/v4/common"
)

// Of resolves a path under one of gopsutil's roots the way gopsutil
// does: the EnvMap on ctx first (tests point it at testdata/), then the
// HOST_* environment variable, then the default (/proc, /sys, /).
func Of(ctx context.Context, key common.EnvKeyType, def string, elem ...string) string {
	root := ""
	if env, ok := ctx.Value(common.EnvKey).(common.EnvMap); ok {
		root = env[key]
	}
	if root == "" {
		root = os.Getenv(string(key))
	}
	if root == "" {
		root = def
	}
	return filepath.Join(append([]string{root}, elem...)...)
}

// Context carries env (if any) as gopsutil's EnvMap, as a scrape's
// context does.
func Context(env common.EnvMap) context.Context {
	if env == nil {
		return context.Background()
	}
	return context.WithValue(context.Background(), common.EnvKey, env)
}

// Proc is elem under the proc root (HOST_PROC, /proc).
func Proc(ctx context.Context, elem ...string) string {
	return Of(ctx, common.HostProcEnvKey, "/proc", elem...)
}

// Root is elem under the host's root (HOST_ROOT, /).
func Root(ctx context.Context, elem ...string) string {
	return Of(ctx, common.HostRootEnvKey, "/", elem...)
}
