// Package exporter publishes host and application metrics for Prometheus.
//
// Every source (cpu, memory, disk, filesystem, network, load, boot time,
// processes; the application's HTTP probe, TCP connections and process, in
// internal/app) is a Collector in a file of its own, read on every scrape,
// concurrently, with gopsutil v4 or, where it has no reader or a slow one,
// the exporter's own (internal/procfs, internal/sockdiag). Nothing polls in the
// background. The application load score is made at each scrape from what
// its sources record (internal/loadscore). Roots (/proc, /sys, /) come
// from gopsutil's EnvMap, so tests run the collectors on fixture trees.
package exporter

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/shirou/gopsutil/v4/common"
	"github.com/shirou/gopsutil/v4/disk"

	"github.com/prescale/prescale/exporter/internal/app"
	"github.com/prescale/prescale/exporter/internal/appproc"
	"github.com/prescale/prescale/exporter/internal/hostpath"
	"github.com/prescale/prescale/internal/cgroup"
	"github.com/prescale/prescale/internal/redact"
)

// Option changes how New and NewCollector build the exporter.
type Option func(*options)

type options struct {
	env        common.EnvMap
	now        func() time.Time
	logger     *slog.Logger
	usage      UsageFunc
	gatherTime time.Duration
}

// WithEnv points gopsutil at other roots (HOST_PROC, HOST_SYS, HOST_ROOT,
// ...). Nil or empty (the default) uses the HOST_* environment variables,
// then /proc, /sys and /.
func WithEnv(env common.EnvMap) Option { return func(o *options) { o.env = env } }

// WithNow sets the clock used for durations and the app cpu window. Nil
// (the default) is time.Now.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger sets the logger. Nil (the default) discards logs.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithFilesystemUsage replaces statfs(2) for the filesystem collector. Nil
// (the default) is disk.UsageWithContext.
func WithFilesystemUsage(f UsageFunc) Option { return func(o *options) { o.usage = f } }

// WithGatherTimeout bounds one scrape's collection. 0 (the default) is
// 10 s, or the probe timeout plus 5 s if that is longer.
func WithGatherTimeout(d time.Duration) Option { return func(o *options) { o.gatherTime = d } }

func buildOptions(cfg Config, opts []Option) options {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	if o.usage == nil {
		o.usage = disk.UsageWithContext
	}
	if o.gatherTime <= 0 {
		o.gatherTime = max(10*time.Second, cfg.ProbeTimeout+5*time.Second)
	}
	return o
}

// NewCollector validates cfg and returns the prometheus.Collector of every
// source the configuration enables, for registration in any registry (the
// prescale run command gathers it in-process).
func NewCollector(cfg Config, opts ...Option) (prometheus.Collector, error) {
	return newCollector(cfg, buildOptions(cfg, opts))
}

func newCollector(cfg Config, o options) (*hostCollector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	mountEx, err := compileExclude(cfg.MountPointsExclude)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envMountPointsExclude, err)
	}
	typeEx, err := compileExclude(cfg.FSTypesExclude)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envFSTypesExclude, err)
	}
	diskEx, err := compileExclude(cfg.DiskDevicesExclude)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envDiskDevicesExclude, err)
	}
	if err := appproc.CheckPidFileRoots(hostpath.Context(o.env), cfg.AppProcess); err != nil {
		return nil, err
	}
	cs := []namedCollector{
		{"cpu", newCPUCollector()},
		{"memory", newMemoryCollector()},
		{"disk", newDiskCollector(diskEx, o.logger)},
		{"filesystem", newFilesystemCollector(mountEx, typeEx, o.usage)},
		{"network", newNetworkCollector()},
		{"load", newLoadCollector()},
		{"boot", newBootCollector()},
		{"processes", newProcessesCollector()},
	}
	if cfg.AppURL != "" {
		cs = append(cs, namedCollector{"app_probe", app.NewProbe(cfg.AppURL, cfg.ProbeTimeout, app.NewProbeClient(), o.now)})
	}
	if cfg.AppPort != 0 {
		cs = append(cs, namedCollector{"app_connections", app.NewConnections(cfg.AppPort)})
	}
	if cfg.AppProcess != "" {
		cs = append(cs, namedCollector{"app_process", app.NewProcess(cfg.AppProcess, o.logger, app.Reads{File: readFile, FileIn: readFileIn, NumFDs: numFDs})})
	}
	return newHostCollector(cs, o.env, o.now, o.logger, o.gatherTime, newScoreState(cfg.AppMaxConnections)), nil
}

// The application's sources (exporter/internal/app).
var (
	_ Source = (*app.Probe)(nil)
	_ Source = (*app.Connections)(nil)
	_ Source = (*app.Process)(nil)
)

// readFile and readFileIn read the application's pid file and cgroup files,
// given up at the scrape's deadline; numFDs counts its open file
// descriptors (app.Reads): tests replace them.
var (
	readFile   cgroup.ReadFile   = cgroup.ReadBounded
	readFileIn cgroup.ReadFileIn = cgroup.ReadBoundedIn
	numFDs                       = app.NumFDs
)

// Registry is what the exporter needs of a registry: registering its
// collector and gathering for /metrics. *prometheus.Registry is one.
type Registry interface {
	prometheus.Registerer
	prometheus.Gatherer
}

// Exporter serves the metrics of reg over HTTP: /metrics, /healthz and a
// landing page. Build it with New, then call Run.
type Exporter struct {
	cfg    Config
	reg    Registry
	host   *hostCollector
	logger *slog.Logger
	srv    *http.Server

	mu sync.Mutex
	ln net.Listener
}

// Server timeouts. A scrape may take up to the gather timeout, so the
// write timeout is at least that plus writeSlack (a 1-minute probe timeout
// makes a 65 s gather timeout).
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 60 * time.Second
	writeSlack        = 5 * time.Second
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 5 * time.Second
	maxHeaderBytes    = 16 << 10
)

// New validates cfg, registers the exporter's collector in reg and builds
// the HTTP server. Registering the Go, process and build-info collectors is
// left to the caller (cmd/prescale-exporter does it).
func New(cfg Config, reg Registry, opts ...Option) (*Exporter, error) {
	o := buildOptions(cfg, opts)
	c, err := newCollector(cfg, o)
	if err != nil {
		return nil, err
	}
	if err := reg.Register(c); err != nil {
		return nil, fmt.Errorf("registering the exporter's collector: %w", err)
	}
	e := &Exporter{cfg: cfg, reg: reg, host: c, logger: o.logger}
	e.srv = &http.Server{
		Handler:           e.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      max(writeTimeout, o.gatherTime+writeSlack),
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(o.logger.Handler(), slog.LevelWarn),
	}
	return e, nil
}

var landingPage = template.Must(template.New("landing").Parse(`<!DOCTYPE html>
<html><head><title>prescale exporter</title></head>
<body><h1>prescale exporter</h1>
<p>Host and application metrics for prescale's autoscaler.</p>
<ul><li><a href="/metrics">Metrics</a></li><li><a href="/healthz">Health</a></li></ul>
</body></html>
`))

// Handler returns the exporter's routes: /metrics, /healthz and the landing
// page at /.
func (e *Exporter) Handler() http.Handler {
	mux := http.NewServeMux()
	metrics := promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(e.logger.Handler(), slog.LevelError),
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: e.cfg.MaxInFlight,
		Registry:            e.reg,
	})
	mux.Handle("GET /metrics", promhttp.InstrumentMetricHandler(e.reg, e.host.budget.Within(metrics)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = landingPage.Execute(w, nil)
	})
	return mux
}

// Listen binds the configured address (once) and returns it; Run calls it
// if the caller has not. Tests listen on 127.0.0.1:0 and read the port here.
func (e *Exporter) Listen() (net.Addr, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ln == nil {
		ln, err := net.Listen("tcp", e.cfg.Listen)
		if err != nil {
			// Cut as the controller's PRESCALE_LISTEN: a 5,000-byte
			// address was repeated whole, twice where it held the host.
			host, port, _ := net.SplitHostPort(e.cfg.Listen)
			return nil, fmt.Errorf("%s: %w", envListen, redact.Reword(err, redact.CutRepeats(err.Error(), redact.MaxEchoed, e.cfg.Listen, host, port)))
		}
		e.ln = ln
	}
	return e.ln.Addr(), nil
}

// Run serves until ctx is cancelled, then shuts down gracefully. It returns
// nil after a shutdown caused by ctx.
func (e *Exporter) Run(ctx context.Context) error {
	addr, err := e.Listen()
	if err != nil {
		return err
	}
	e.logger.Info("prescale-exporter listening", "address", addr.String())
	errc := make(chan error, 1)
	go func() { errc <- e.srv.Serve(e.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := e.srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
