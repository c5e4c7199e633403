package exporter

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLoadScoreAgainstCgroupLimits: the fixture's webapp (20,480,000
// resident bytes on a host of 8,192,000,000) in a container limited to
// 25,600,000 bytes uses 80 % of what it may, not 0.25 % of the host: the
// app_memory signal says 0.8, the highest signal, so the score too (the
// fixture's host_cpu is 0.75). Before, they said 0.0025 and 0.75 whatever
// the container's limit, so a target scaling on the score never saw the
// application near its limit.
func TestLoadScoreAgainstCgroupLimits(t *testing.T) {
	tree := copyTree(t, fixtureRoot(t))
	for name, content := range map[string]string{
		"proc/4242/cgroup":             "0::/app\n",
		"sys/fs/cgroup/app/memory.max": "25600000\n",
	} {
		p := filepath.Join(tree, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	cfg := DefaultConfig()
	cfg.AppProcess = "webapp"
	got := gatherValues(t, fixtureCollector(t, tree, cfg))
	require.InDelta(t, 0.8, got[`prescale_app_load_signal_ratio{signal="app_memory"}`], 1e-12)
	require.InDelta(t, 0.8, got["prescale_app_load_score"], 1e-12)
}
