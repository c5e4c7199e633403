package exporter

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prescale/prescale/exporter/internal/loadscore"
)

// scoreState exports the application load score (exporter/internal/
// loadscore) from each scrape's recorded figures, keeping the app's cpu
// window across scrapes.
type scoreState struct {
	maxConnections float64

	score, signal *prometheus.Desc

	window loadscore.CPUWindow
}

func newScoreState(maxConnections int) *scoreState {
	return &scoreState{
		maxConnections: float64(maxConnections),
		score: prometheus.NewDesc(fqName("app", "load_score"),
			"Application load in [0,1]: the maximum of the prescale_app_load_signal_ratio signals.", nil, nil),
		signal: prometheus.NewDesc(fqName("app", "load_signal_ratio"),
			"Each signal prescale_app_load_score is the maximum of, in [0,1], by signal: latency (probe), connections, app_cpu, app_memory, host_cpu (load1 per cpu); absent while its source is off or failed.", []string{"signal"}, nil),
	}
}

func (s *scoreState) collect(in loadscore.Inputs, now time.Time, ch chan<- prometheus.Metric) {
	in.MaxConnections = s.maxConnections
	in.AppCPU, in.HasAppCPU = s.window.AppCPU(in, now)
	score, sigs, ok := loadscore.Score(in)
	if !ok {
		return
	}
	for _, sg := range sigs {
		ch <- prometheus.MustNewConstMetric(s.signal, prometheus.GaugeValue, sg.Value, sg.Name)
	}
	ch <- prometheus.MustNewConstMetric(s.score, prometheus.GaugeValue, score)
}
