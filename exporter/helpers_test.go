package exporter

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/shirou/gopsutil/v4/common"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixtureRoot is the fake host under testdata/host.
func fixtureRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("testdata", "host"))
	require.NoError(t, err)
	return root
}

// fixtureEnv points gopsutil at a fake host tree.
func fixtureEnv(root string) common.EnvMap {
	return common.EnvMap{
		common.HostProcEnvKey: filepath.Join(root, "proc"),
		common.HostSysEnvKey:  filepath.Join(root, "sys"),
		common.HostEtcEnvKey:  filepath.Join(root, "etc"),
		common.HostDevEnvKey:  filepath.Join(root, "dev"),
		common.HostRunEnvKey:  filepath.Join(root, "run"),
		common.HostRootEnvKey: root,
	}
}

// fixedNow is a clock that never moves: every duration is 0.
func fixedNow() time.Time { return time.Unix(1764086400, 0) }

// fakeUsage answers statfs for the fixture's mount points with fixed sizes.
func fakeUsage(root string) UsageFunc {
	return func(_ context.Context, path string) (*disk.UsageStat, error) {
		mp := "/" + strings.TrimPrefix(strings.TrimPrefix(path, root), "/")
		switch mp {
		case "/": // 100 GiB, 60 GiB used, 5 GiB reserved for root
			return &disk.UsageStat{Path: mp, Total: 100 << 30, Used: 60 << 30, Free: 35 << 30}, nil
		case "/data":
			return &disk.UsageStat{Path: mp, Total: 500 << 30, Used: 100 << 30, Free: 400 << 30}, nil
		case "/run":
			return &disk.UsageStat{Path: mp, Total: 800 << 20, Used: 2 << 20, Free: 798 << 20}, nil
		}
		return nil, fmt.Errorf("fake statfs: no such mount point %q", mp)
	}
}

// appServer is the application the probe checks.
func appServer(t testing.TB, status int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte("hello"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// fixtureCollector builds the exporter's collector on the fixture tree.
func fixtureCollector(t testing.TB, root string, cfg Config) prometheus.Collector {
	t.Helper()
	c, err := NewCollector(cfg,
		WithEnv(fixtureEnv(root)),
		WithNow(fixedNow),
		WithFilesystemUsage(fakeUsage(root)),
	)
	require.NoError(t, err)
	return c
}

// compareGolden compares the collector's whole exposition with a golden
// file, or rewrites the file under -update.
func compareGolden(t *testing.T, c prometheus.Collector, golden string) {
	t.Helper()
	path := filepath.Join("testdata", golden)
	if *update {
		require.NoError(t, os.WriteFile(path, exposition(t, c), 0o644))
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, testutil.CollectAndCompare(c, f))
}

// exposition gathers c (pedantic checks on) into the text format.
// testutil.CollectAndFormat is not used: without metric names it keeps none.
func exposition(t testing.TB, c prometheus.Collector) []byte {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		require.NoError(t, enc.Encode(mf))
	}
	return buf.Bytes()
}

// copyTree copies a fixture tree so a test can change it.
func copyTree(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
	return dst
}
