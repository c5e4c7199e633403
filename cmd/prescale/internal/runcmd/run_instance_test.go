package runcmd

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/internal/testkit"
)

// TestRunInstanceIsTheScrapedAddress: the series prescale run gathers of
// itself carry the instance a Prometheus scraping the /metrics URL it
// prints would give them, that URL's host:port: localhost:PORT for
// PRESCALE_LISTEN :PORT, 0.0.0.0:PORT and [::]:PORT alike, and the
// address itself for one interface. It was the listener's address:
// [::]:PORT for the first three here, a wildcard no scraper connects to
// (0.0.0.0:PORT on a host without IPv6, for the same setting).
func TestRunInstanceIsTheScrapedAddress(t *testing.T) {
	if testing.Short() {
		t.Skip("starts prescale run: skipped with -short")
	}
	for _, tc := range []struct{ listen, host string }{
		{":0", "localhost"}, {"0.0.0.0:0", "localhost"}, {"[::]:0", "localhost"}, {"127.0.0.1:0", "127.0.0.1"},
	} {
		t.Run(tc.listen, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			t.Setenv("PRESCALE_DATA_DIR", data)
			t.Setenv("PRESCALE_LISTEN", tc.listen)
			t.Setenv("PRESCALE_SCRAPE_INTERVAL", "1s")
			base, _, _, stop := startRunStop(t, nil)
			hostPort := strings.TrimPrefix(base, "http://")
			require.True(t, strings.HasPrefix(hostPort, tc.host+":"), "printed URL %s", base)
			testkit.Eventually(t.Context(), t, time.Minute, "a gather stored", func() error { return stored(t.Context(), base) })
			stop()

			store, err := history.OpenEmbedded(filepath.Join(data, "tsdb"), history.EmbeddedOptions{})
			require.NoError(t, err)
			defer func() { require.NoError(t, store.Close()) }()
			series, err := store.RecentSeries(t.Context(), time.Now().UnixMilli(), labels.MustNewMatcher(labels.MatchEqual, "job", "prescale"))
			require.NoError(t, err)
			instances := map[string]int{}
			for _, s := range series {
				instances[s.Get("instance")]++
			}
			require.Len(t, instances, 1, "%d series", len(series))
			require.Contains(t, instances, hostPort)
			t.Logf("%d series, instance %s", len(series), hostPort)
		})
	}
}

// stored tells whether prescale run at base has stored samples (its
// store's head has series).
func stored(ctx context.Context, base string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if m := regexp.MustCompile(`(?m)^prometheus_tsdb_head_series (\S+)$`).FindSubmatch(body); m == nil || string(m[1]) == "0" {
		return fmt.Errorf("head series: %q", m)
	}
	return nil
}
