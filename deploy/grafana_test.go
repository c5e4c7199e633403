package deploy

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/prescale/prescale/internal/testkit"
)

// TestGrafanaScrapeIntervalIsPrometheus: the provisioned datasource's
// scrape interval (jsonData.timeInterval) is the one prometheus.yml
// scrapes the exporter and the controller at. Grafana sizes
// $__rate_interval, the window of every rate panel, as four of it at the
// dashboards' default 6 hours: a Prometheus scraping every minute under a
// datasource left at 15s gives each window one sample, and those panels
// are empty.
func TestGrafanaScrapeIntervalIsPrometheus(t *testing.T) {
	var prom struct {
		Global struct {
			ScrapeInterval string `yaml:"scrape_interval"`
		} `yaml:"global"`
		ScrapeConfigs []struct {
			JobName        string `yaml:"job_name"`
			ScrapeInterval string `yaml:"scrape_interval"`
		} `yaml:"scrape_configs"`
	}
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "prometheus.yml"), &prom))
	var ds struct {
		Datasources []struct {
			Type     string `yaml:"type"`
			JSONData struct {
				TimeInterval string `yaml:"timeInterval"`
			} `yaml:"jsonData"`
		} `yaml:"datasources"`
	}
	require.NoError(t, yaml.Unmarshal(testkit.ReadFile(t, filepath.Join("grafana", "provisioning", "datasources", "prometheus.yml")), &ds))
	require.Len(t, ds.Datasources, 1)
	require.Equal(t, "prometheus", ds.Datasources[0].Type)
	grafana, err := model.ParseDuration(ds.Datasources[0].JSONData.TimeInterval)
	require.NoError(t, err, "the datasource's jsonData.timeInterval")

	jobs := 0
	for _, sc := range prom.ScrapeConfigs {
		if !strings.HasPrefix(sc.JobName, "prescale-") {
			continue
		}
		jobs++
		interval := sc.ScrapeInterval
		if interval == "" {
			interval = prom.Global.ScrapeInterval
		}
		if interval == "" {
			interval = "1m" // Prometheus's default
		}
		d, err := model.ParseDuration(interval)
		require.NoError(t, err, "prometheus.yml: job %s's scrape_interval", sc.JobName)
		require.Equal(t, d, grafana, "prometheus.yml scrapes job %s every %s; the Grafana datasource's timeInterval must say so", sc.JobName, d)
	}
	require.Equal(t, 2, jobs, "prescale-exporter and prescale-controller")
}
