// Package loadscore is the exporter's application load score
// (prescale_app_load_score): the figures one scrape's sources record
// (Inputs, carried on the scrape's context by a Scrape), the application's
// cpu use measured between scrapes (CPUWindow), and the normalised signals
// and score they make (Score).
package loadscore

// Inputs are the figures one scrape recorded for the load score. A Has*
// field false means that source is not configured or failed this scrape.
type Inputs struct {
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
	// CPULimit and MemoryLimit are its cgroups' limits (a container's, a
	// systemd unit's), in cpus and bytes; 0: none found.
	CPULimit, MemoryLimit float64

	// HasAppCPU says AppCPU holds the application's cpu use as a fraction of
	// the cpus it may use, measured between two scrapes (see CPUWindow).
	HasAppCPU bool
	AppCPU    float64
}

// Signal is one normalised component of the load score.
type Signal struct {
	Name  string
	Value float64 // in [0, 1]
}

// Score combines the scrape's signals into prescale_app_load_score:
//
//	latency     = probe_duration / probe_timeout, or 1 when the probe failed
//	connections = established / PRESCALE_APP_MAX_CONNECTIONS
//	app_cpu     = Δ app cpu seconds / (Δ wall seconds × app cpus), between scrapes ≥ 1 s apart
//	app_memory  = app resident bytes / app memory
//	host_cpu    = load1 / cpus
//	score       = max of the available signals, each clipped to [0, 1]
//
// where app cpus and app memory are what the application may use: the
// host's cpus and MemTotal, or its cgroups' limits where lower (an
// application held at a container's 1-cpu limit on an 8-cpu host is fully
// loaded, not at 1/8).
//
// The maximum, not a mean, because the most saturated resource is the one
// that limits the application (the saturation view of Brendan Gregg's USE
// method, https://www.brendangregg.com/usemethod.html): an application at
// 100 % cpu with few connections is fully loaded. Signals whose source is not configured or failed are left
// out; ok is false when none is available, and the score is then not
// exported. The signals are returned in the fixed order above.
func Score(in Inputs) (score float64, sigs []Signal, ok bool) {
	add := func(name string, v float64) {
		v = min(max(v, 0), 1)
		sigs = append(sigs, Signal{name, v})
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
	if mem := in.appMemory(); in.HasProcess && mem > 0 {
		add("app_memory", in.ProcessRSS/mem)
	}
	if in.HasLoad1 && in.CPUs > 0 {
		add("host_cpu", in.Load1/float64(in.CPUs))
	}
	return score, sigs, len(sigs) > 0
}

// appCPUs is the cpus the application may use: the host's, or its cgroups'
// cpu limit where lower (0: unknown).
func (in Inputs) appCPUs() float64 {
	if in.CPULimit > 0 && (in.CPUs <= 0 || in.CPULimit < float64(in.CPUs)) {
		return in.CPULimit
	}
	return float64(in.CPUs)
}

// appMemory is the memory the application may use: MemTotal, or its
// cgroups' memory limit where lower (0: unknown).
func (in Inputs) appMemory() float64 {
	if in.MemoryLimit > 0 && (in.MemoryBytes <= 0 || in.MemoryLimit < in.MemoryBytes) {
		return in.MemoryLimit
	}
	return in.MemoryBytes
}
