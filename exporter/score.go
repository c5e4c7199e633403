package exporter

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// LoadInputs are the figures one scrape recorded for the load score. A Has*
// field false means that source is not configured or failed this scrape.
type LoadInputs struct {
	CPUs        int     // online cpus (cpu collector)
	HasLoad1    bool    // Load1 is set (load collector)
	Load1       float64 // 1 minute load average
	MemoryBytes float64 // MemTotal (memory collector)

	HasProbe     bool    // the HTTP probe ran
	ProbeSeconds float64 // its duration
	ProbeTimeout float64 // its timeout, seconds
	ProbeSuccess bool

	HasConnections bool    // the connection count ran
	Established    float64 // established sockets on the app port
	MaxConnections float64 // PRESCALE_APP_MAX_CONNECTIONS; 0 leaves connections out

	HasProcess        bool // the application process was found
	ProcessPID        int32
	ProcessCPUSeconds float64 // its cpu seconds counter
	ProcessRSS        float64 // its resident bytes

	// HasAppCPU says AppCPU holds the application's cpu use as a fraction of
	// all cpus, measured between two scrapes (see scoreState).
	HasAppCPU bool
	AppCPU    float64
}

// LoadSignal is one normalised component of the load score.
type LoadSignal struct {
	Name  string
	Value float64 // in [0, 1]
}

// LoadScore combines the scrape's signals into prescale_app_load_score:
//
//	latency     = probe_duration / probe_timeout, or 1 when the probe failed
//	connections = established / PRESCALE_APP_MAX_CONNECTIONS
//	app_cpu     = Δ app cpu seconds / (Δ wall seconds × cpus), between scrapes ≥ 1 s apart
//	app_memory  = app resident bytes / MemTotal
//	host_cpu    = load1 / cpus
//	score       = max of the available signals, each clipped to [0, 1]
//
// The maximum, not a mean, because the most saturated resource is the one
// that limits the application (the saturation view of Brendan Gregg's USE
// method, https://www.brendangregg.com/usemethod.html): an application at
// 100 % cpu with few connections is fully loaded. Signals whose source is not configured or failed are left
// out; ok is false when none is available, and the score is then not
// exported. The signals are returned in the fixed order above.
func LoadScore(in LoadInputs) (score float64, sigs []LoadSignal, ok bool) {
	add := func(name string, v float64) {
		v = min(max(v, 0), 1)
		sigs = append(sigs, LoadSignal{name, v})
		score = max(score, v)
	}
	if in.HasProbe && in.ProbeTimeout > 0 {
		if in.ProbeSuccess {
			add("latency", in.ProbeSeconds/in.ProbeTimeout)
		} else {
			add("latency", 1)
		}
	}
	if in.HasConnections && in.MaxConnections > 0 {
		add("connections", in.Established/in.MaxConnections)
	}
	if in.HasAppCPU {
		add("app_cpu", in.AppCPU)
	}
	if in.HasProcess && in.MemoryBytes > 0 {
		add("app_memory", in.ProcessRSS/in.MemoryBytes)
	}
	if in.HasLoad1 && in.CPUs > 0 {
		add("host_cpu", in.Load1/float64(in.CPUs))
	}
	return score, sigs, len(sigs) > 0
}

// minCPUWindow is the shortest wall-clock interval over which the app's cpu
// use is measured; cpu seconds tick at 10 ms, so shorter windows (two
// Prometheus servers scraping back to back) would mostly measure the tick.
const minCPUWindow = time.Second

// scoreState keeps, across scrapes, the last cpu reading of the application
// process so its cpu use can be measured without sleeping in the scrape.
type scoreState struct {
	maxConnections float64

	score, signal *prometheus.Desc

	mu      sync.Mutex
	prevPID int32
	prevAt  time.Time
	prevCPU float64
	lastCPU float64
	hasLast bool
}

func newScoreState(maxConnections int) *scoreState {
	return &scoreState{
		maxConnections: float64(maxConnections),
		score: prometheus.NewDesc(fqName("app", "load_score"),
			"Application load in [0,1]: the maximum of the prescale_app_load_signal_ratio signals.", nil, nil),
		signal: prometheus.NewDesc(fqName("app", "load_signal_ratio"),
			"Normalised signals combined into prescale_app_load_score.", []string{"signal"}, nil),
	}
}

// appCPU updates the cpu window with this scrape's reading and returns the
// application's cpu use as a fraction of all cpus, if known.
func (s *scoreState) appCPU(in LoadInputs, now time.Time) (float64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !in.HasProcess || in.CPUs <= 0 {
		return 0, false
	}
	if in.ProcessPID != s.prevPID || in.ProcessCPUSeconds < s.prevCPU {
		// New process (or counter reset): start a new window.
		s.prevPID, s.prevAt, s.prevCPU, s.hasLast = in.ProcessPID, now, in.ProcessCPUSeconds, false
		return 0, false
	}
	wall := now.Sub(s.prevAt)
	if wall >= minCPUWindow {
		s.lastCPU = (in.ProcessCPUSeconds - s.prevCPU) / (wall.Seconds() * float64(in.CPUs))
		s.hasLast = true
		s.prevAt, s.prevCPU = now, in.ProcessCPUSeconds
	}
	return s.lastCPU, s.hasLast
}

func (s *scoreState) collect(in LoadInputs, now time.Time, ch chan<- prometheus.Metric) {
	in.MaxConnections = s.maxConnections
	in.AppCPU, in.HasAppCPU = s.appCPU(in, now)
	score, sigs, ok := LoadScore(in)
	if !ok {
		return
	}
	for _, sg := range sigs {
		ch <- prometheus.MustNewConstMetric(s.signal, prometheus.GaugeValue, sg.Value, sg.Name)
	}
	ch <- prometheus.MustNewConstMetric(s.score, prometheus.GaugeValue, score)
}
