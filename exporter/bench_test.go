package exporter

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/stretchr/testify/require"
)

// BenchmarkScrape measures one full Gather of the registry the binary
// serves (every source plus the Go and process collectors) on the real
// host: "host" with the default configuration, "app" with the probe, the
// connection count and the process collector on as well.
func BenchmarkScrape(b *testing.B) {
	app := appServer(b, 200)
	appPort := app.Listener.Addr().(*net.TCPAddr).Port
	pidFile := filepath.Join(b.TempDir(), "app.pid")
	require.NoError(b, os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())), 0o644))

	withApp := DefaultConfig()
	withApp.AppURL, withApp.AppPort, withApp.AppProcess = app.URL, appPort, pidFile
	for _, bc := range []struct {
		name string
		cfg  Config
	}{
		{"host", DefaultConfig()},
		{"app", withApp},
	} {
		b.Run(bc.name, func(b *testing.B) {
			reg := prometheus.NewRegistry()
			reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
			c, err := NewCollector(bc.cfg)
			require.NoError(b, err)
			reg.MustRegister(c)
			b.ReportAllocs()
			start := cpuTime(b)
			for b.Loop() {
				if _, err := reg.Gather(); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
}
