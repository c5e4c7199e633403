package exporter

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/internal/testkit"
)

// startExporter runs an exporter on the fixture host on a free loopback
// port and returns its base URL; it stops when the test ends.
func startExporter(t *testing.T, cfg Config, opts ...Option) string {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	e, err := New(cfg, prometheus.NewRegistry(), opts...)
	require.NoError(t, err)
	addr, err := e.Listen()
	require.NoError(t, err)
	testkit.Background(context.Background(), t, e.Run)
	return "http://" + addr.String()
}

func get(t *testing.T, method, url string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<22))
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

func TestServerRoutes(t *testing.T) {
	root := fixtureRoot(t)
	base := startExporter(t, DefaultConfig(), WithEnv(fixtureEnv(root)), WithFilesystemUsage(fakeUsage(root)))

	tests := []struct {
		name, method, path string
		code               int
		contentType        string
		contains           string
	}{
		{"landing page links /metrics", "GET", "/", 200, "text/html; charset=utf-8", `<a href="/metrics">`},
		{"health", "GET", "/healthz", 200, "text/plain; charset=utf-8", "ok"},
		{"metrics", "GET", "/metrics", 200, "text/plain; version=0.0.4; charset=utf-8; escaping=underscores", `prescale_cpu_seconds_total{cpu="0",mode="user"} 200`},
		{"metrics count their requests", "GET", "/metrics", 200, "", "promhttp_metric_handler_requests_total"},
		{"unknown path", "GET", "/nope", 404, "", ""},
		{"wrong method", "POST", "/metrics", 405, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, ct, body := get(t, tc.method, base+tc.path)
			require.Equal(t, tc.code, code)
			if tc.contentType != "" {
				require.Equal(t, tc.contentType, ct)
			}
			require.Contains(t, body, tc.contains)
		})
	}
}

// The server's write timeout outlasts the longest scrape: with the
// longest probe timeout a scrape may gather for 65 s, past the 60 s a
// response otherwise has.
func TestWriteTimeoutOutlastsTheScrape(t *testing.T) {
	for _, tc := range []struct {
		name   string
		probe  time.Duration
		gather time.Duration
		want   time.Duration
	}{
		{"defaults", DefaultProbeTimeout, 0, writeTimeout},
		{"longest probe", maxProbeTimeout, 0, maxProbeTimeout + 5*time.Second + writeSlack},
		{"gather timeout set", DefaultProbeTimeout, 2 * time.Minute, 2*time.Minute + writeSlack},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.ProbeTimeout = tc.probe
			e, err := New(cfg, prometheus.NewRegistry(), WithGatherTimeout(tc.gather))
			require.NoError(t, err)
			require.Equal(t, tc.want, e.srv.WriteTimeout)
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Listen = "nowhere"
	_, err := New(cfg, prometheus.NewRegistry())
	require.EqualError(t, err, `PRESCALE_EXPORTER_LISTEN: invalid listen address "nowhere": missing port in address`)
}

func TestListenFailureNamesTheVariable(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	first, err := New(cfg, prometheus.NewRegistry())
	require.NoError(t, err)
	addr, err := first.Listen()
	require.NoError(t, err)
	t.Cleanup(func() { _ = first.ln.Close() })

	cfg.Listen = addr.String() // already taken
	second, err := New(cfg, prometheus.NewRegistry())
	require.NoError(t, err)
	_, err = second.Listen()
	require.ErrorContains(t, err, "PRESCALE_EXPORTER_LISTEN: listen tcp "+addr.String())
}

// TestListenFailureCutsTheAddress: an address that cannot be bound is
// repeated to 100 bytes, where net.Listen's error repeats it or its host
// (a 5,000-byte host was repeated whole, twice), and the error stays the
// net error for errors.As.
func TestListenFailureCutsTheAddress(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Listen = strings.Repeat("h", 5000) + ":1"
	e, err := New(cfg, prometheus.NewRegistry())
	require.NoError(t, err)
	_, err = e.Listen()
	require.Error(t, err)
	require.Less(t, len(err.Error()), 400, err.Error())
	require.Contains(t, err.Error(), "PRESCALE_EXPORTER_LISTEN: listen tcp: lookup "+strings.Repeat("h", 100)+"...")
	var oe *net.OpError
	require.ErrorAs(t, err, &oe)
}
