package exporter

import (
	"context"
	"os"
	"path/filepath"

	"github.com/shirou/gopsutil/v4/common"
)

// hostPath resolves a path under one of gopsutil's roots the way gopsutil
// does: the EnvMap on ctx first (tests point it at testdata/), then the
// HOST_* environment variable, then the default (/proc, /sys, /).
// It is used for the few files gopsutil has no context-aware reader for.
func hostPath(ctx context.Context, key common.EnvKeyType, def string, elem ...string) string {
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

// envContext carries env (if any) as gopsutil's EnvMap, as a scrape's
// context does.
func envContext(env common.EnvMap) context.Context {
	if env == nil {
		return context.Background()
	}
	return context.WithValue(context.Background(), common.EnvKey, env)
}

func procPath(ctx context.Context, elem ...string) string {
	return hostPath(ctx, common.HostProcEnvKey, "/proc", elem...)
}

func rootPath(ctx context.Context, elem ...string) string {
	return hostPath(ctx, common.HostRootEnvKey, "/", elem...)
}
