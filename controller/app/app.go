// Package app wires a whole controller process from a config.Config:
// the history source (Prometheus or the embedded TSDB and its scraper), the
// loop, the actuators, the REST API and /metrics. The binaries (prescale
// run, prescale-controller) and the end-to-end tests build it.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/actuator"
	"github.com/prescale/prescale/controller/actuator/simulated"
	"github.com/prescale/prescale/controller/api"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/history/scrape"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/controller/shard"
	"github.com/prescale/prescale/controller/state"
	"github.com/prescale/prescale/internal/datadir"
	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/tlsfiles"
)

// Options are what the binaries add to a Config. Registry is required.
type Options struct {
	// Registry receives every metric and is served on /metrics.
	Registry *prometheus.Registry
	// Gather, when set, is gathered into the embedded store every scrape
	// interval (prescale run: the in-process exporter and controller), with
	// job GatherJob and instance the host:port of URL (localhost:9111 for a
	// listener on every address).
	Gather    prometheus.Gatherer
	GatherJob string
	// Embedded is an already opened store (prescale run backfills it
	// before start), handed over: the App closes it. nil opens
	// PRESCALE_DATA_DIR when there is no Prometheus URL.
	Embedded *history.Embedded
	// DirLock is PRESCALE_DATA_DIR's lock, already held (prescale run
	// takes it before its backfill), handed over: the App releases it.
	// nil takes it, so a second process on the directory is refused.
	DirLock *datadir.Lock
	// Listener is a pre-bound listener (tests use 127.0.0.1:0); nil binds
	// PRESCALE_LISTEN.
	Listener net.Listener
	// Extra HTTP routes (GET).
	Extra map[string]http.Handler
	Now   func() time.Time
	// Logger; nil discards.
	Logger *slog.Logger
	// WebhookWait replaces the webhook's retry sleep (tests).
	WebhookWait func(ctx context.Context, d time.Duration) error
}

// App is a whole controller process: history source, loop, actuators,
// REST API and /metrics.
type App struct {
	cfg   config.Config
	log   *slog.Logger
	ctrl  *controller.Controller
	api   *api.Server
	srv   *http.Server
	ln    net.Listener
	store *history.Embedded
	lock  *datadir.Lock
	shard api.ShardInfo // the part of the fleet this controller owns
	// shardOf is the shard owning a target of the file (nil: no shards).
	shardOf func(string) (int, bool)
	scraper *scrape.Scraper
	levels  []*actuator.Level // in PRESCALE_ACTUATOR order
	pool    *simulated.Pool
	actName string
	source  string // the history source, for the start log line
	now     func() time.Time
	closeMu sync.Once
}

// New builds every part from cfg (which must be valid).
func New(cfg config.Config, o Options) (*App, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	// What o hands over is the App's from here: closed on any failure.
	a := &App{cfg: cfg, log: o.Logger, now: o.Now, lock: o.DirLock, store: o.Embedded, ln: o.Listener}
	ok := false
	defer func() {
		if !ok {
			_ = a.Close()
		}
	}()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for _, msg := range cfg.Unused() {
		o.Logger.Warn(msg)
	}
	if o.Registry == nil {
		return nil, errors.New("controller: Options.Registry is required")
	}
	targets, err := a.ownTargets()
	if err != nil {
		return nil, err
	}
	if err := a.claim(); err != nil {
		return nil, err
	}
	hist, sources, err := a.openHistory(o)
	if err != nil {
		return nil, err
	}
	simParts, err := a.buildActuators(cfg, o, a.ln)
	if err != nil {
		return nil, err
	}
	if len(sources) > 0 {
		a.source = sources[0].Kind + ": " + sources[0].Detail
	}
	if err := a.buildController(o, targets, hist); err != nil {
		return nil, err
	}
	a.buildAPI(o, sources, simParts)
	ok = true
	return a, nil
}

// ListenError says why addr cannot be listened on, quoting addr, and its
// host or port where the error repeats them, to 100 bytes each, as
// Validate quotes values: a 5,000-byte address was repeated whole twice.
// prescale run says it so too.
func ListenError(addr string, err error) string {
	host, port, _ := net.SplitHostPort(addr)
	msg := redact.CutRepeats(err.Error(), redact.MaxEchoed, addr, host, port)
	return fmt.Sprintf("cannot listen on %q: %s", redact.Cut(addr, redact.MaxEchoed), msg)
}

// claim opens the listener and takes the data directory's lock, each
// unless Options handed it over. The listener comes first, as prescale
// run does: a busy address fails with the data directory untouched (the
// lock left prescale.lock, and the directory it created, behind). The
// lock comes before the store and the state file: a second process on
// the directory must not touch either.
func (a *App) claim() error {
	var err error
	if a.ln == nil {
		if a.ln, err = net.Listen("tcp", a.cfg.Listen); err != nil {
			return &config.ConfigError{Var: "LISTEN", Msg: ListenError(a.cfg.Listen, err)}
		}
	}
	if a.lock == nil {
		if a.lock, err = datadir.Acquire(a.cfg.DataDir); err != nil {
			return &config.ConfigError{Var: "DATA_DIR", Msg: err.Error()}
		}
	}
	return nil
}

// ownTargets reads the configured targets and keeps the ones this
// controller's shard (PRESCALE_SHARD) owns.
func (a *App) ownTargets() ([]policy.Target, error) {
	all, err := a.cfg.Targets()
	if err != nil {
		return nil, err
	}
	spec, err := a.cfg.ShardSpec()
	if err != nil {
		return nil, err
	}
	var owned []policy.Target
	for _, t := range all {
		if spec.Owns(t.Name) {
			owned = append(owned, t)
		}
	}
	a.shard = api.ShardInfo{Index: spec.Index, Count: spec.Count, Targets: len(owned), TargetsTotal: len(all)}
	if spec.Count > 1 {
		names := make(map[string]bool, len(all))
		for _, t := range all {
			names[t.Name] = true
		}
		a.shardOf = func(name string) (int, bool) { return shard.Of(name, spec.Count), names[name] }
	}
	if len(owned) == 0 {
		a.log.Warn("this shard owns none of the targets", "shard", spec.String(), "targets", len(all))
	}
	return owned, nil
}

// prometheusTLS is the history source's TLS configuration (nil: Go's
// default) and the watch of its files (tlsfiles.Files.Watch); a failed
// reload of its CA or client certificate is logged on log.
func prometheusTLS(cfg *config.Config, log *slog.Logger) (*tls.Config, func() bool, error) {
	f := cfg.PrometheusTLS()
	tc, err := tlsfiles.Config(f, log)
	if err != nil {
		which := tlsfiles.Cert
		if fe := (*tlsfiles.Error)(nil); errors.As(err, &fe) {
			which = fe.Which
		}
		return nil, nil, &config.ConfigError{Var: config.TLSVar(which), Msg: err.Error()}
	}
	return tc, f.Watch(), nil
}

// openHistory opens the history source: the Prometheus-compatible server
// at PRESCALE_PROMETHEUS_URL, or the embedded store (with its scraper).
func (a *App) openHistory(o Options) (history.History, []api.SourceInfo, error) {
	cfg := a.cfg
	if cfg.PrometheusURL != "" {
		headers, err := history.ParseHeaders(cfg.PrometheusHeaders)
		if err != nil {
			return nil, nil, &config.ConfigError{Var: "PROMETHEUS_HEADERS", Msg: err.Error()}
		}
		tc, tlsChanged, err := prometheusTLS(&cfg, o.Logger)
		if err != nil {
			return nil, nil, err
		}
		r, err := history.NewRemoteWith(cfg.PrometheusURL, history.RemoteOptions{Timeout: cfg.QueryTimeout, Headers: headers, Conns: cfg.QueryConcurrency,
			TLS: tc, TLSChanged: tlsChanged})
		if err != nil {
			return nil, nil, &config.ConfigError{Var: "PROMETHEUS_URL", Msg: err.Error()}
		}
		detail := redact.URL(cfg.PrometheusURL)
		if len(headers) > 0 {
			names := slices.Sorted(maps.Keys(headers))
			detail += " (headers " + strings.Join(names, ", ") + ")" // names only, never values
		}
		return r, []api.SourceInfo{{Name: "prometheus", Kind: "remote", Detail: detail}}, nil
	}
	a.store = o.Embedded
	if a.store == nil {
		var err error
		a.store, err = history.OpenEmbedded(filepath.Join(cfg.DataDir, "tsdb"), history.EmbeddedOptions{
			Retention: cfg.Retention, QueryTimeout: cfg.QueryTimeout, LookbackDelta: history.LookbackFor(cfg.Step),
			Logger: QuietLogger(o.Logger), Registerer: o.Registry,
		})
		if err != nil {
			return nil, nil, &config.ConfigError{Var: "DATA_DIR", Msg: err.Error()}
		}
	}
	var st []scrape.Target
	for _, u := range cfg.ScrapeTargets {
		st = append(st, scrape.Target{Job: "prescale", URL: u})
	}
	job := o.GatherJob
	if job == "" {
		job = "prescale"
	}
	// instance: the printed URL's host:port, as a Prometheus scraping it (Options.Gather).
	a.scraper = scrape.NewScraper(a.store, st, o.Gather, scrape.Target{Job: job, URL: advertised(a.ln.Addr().String())}, cfg.ScrapeInterval)
	if err := a.scraper.SetFallbackProtocol(cfg.ScrapeFallback); err != nil { // checked by Validate
		return nil, nil, &config.ConfigError{Var: "SCRAPE_FALLBACK_PROTOCOL", Msg: err.Error()}
	}
	if len(cfg.ScrapeTargets) == 0 && o.Gather == nil {
		o.Logger.Warn("embedded store without PRESCALE_SCRAPE_TARGETS: only history already in the data directory is available")
	}
	detail := "embedded TSDB in " + filepath.Join(cfg.DataDir, "tsdb")
	if len(cfg.ScrapeTargets) > 0 {
		detail += ", scraping " + strings.Join(redactAll(cfg.ScrapeTargets), ", ")
	}
	if o.Gather != nil {
		detail += ", gathering the in-process registry"
	}
	return a.store, []api.SourceInfo{{Name: "embedded", Kind: "embedded-tsdb", Detail: detail}}, nil
}

// buildController builds the loop over the persisted state, and registers
// the targets with the simulated pool where they left off.
func (a *App) buildController(o Options, targets []policy.Target, hist history.History) error {
	cfg := a.cfg
	st, err := state.New(cfg.DataDir)
	if err != nil {
		return &config.ConfigError{Var: "DATA_DIR", Msg: err.Error()}
	}
	if n := st.RemovedTemp(); n > 0 {
		o.Logger.Warn("removed temporary state files an earlier process left behind", "files", n, "dir", cfg.DataDir)
	}
	metrics := controller.NewMetrics(o.Registry, targets, controller.MetricsClock(o.Now))
	metrics.SetInfo(cfg.Mode, a.actName)
	metrics.SetShard(a.shard.Index, a.shard.Count, a.shard.Targets)
	a.ctrl, err = controller.New(targets, controller.Options{
		Interval: cfg.ScalingInterval, Window: cfg.HistoryWindow, Step: cfg.Step, Coverage: cfg.Coverage,
		Mode: cfg.Mode, AnomalyThreshold: cfg.AnomalyThreshold, ManualDuration: cfg.ManualDuration,
		QueryConcurrency: cfg.QueryConcurrency,
	}, controller.Deps{
		History: hist, NewDetector: controller.DetectorByName(cfg.AnomalyDetector),
		Decide: policy.Decide, Actuators: a.levels, Units: a.units(), State: st, Metrics: metrics, Now: o.Now, Logger: o.Logger,
	})
	if err != nil {
		return err
	}
	if a.pool != nil {
		resumePool(a.pool, a.ctrl.Snapshot().Targets)
	}
	return nil
}

// resumePool registers every target with the simulated pool where it was
// before a restart (no spurious scaling), rebuilt from the decisions the
// state file keeps (poolSteps): a unit asked for less than the lag
// before the restart is still provisioning. A target never decided
// starts at min_units.
func resumePool(pool *simulated.Pool, targets []controller.TargetSnapshot) {
	for _, s := range targets {
		t := s.Target
		start, steps := poolSteps(s.State, t.MinUnits)
		pool.Resume(t.Name, start, steps, t.Lag, t.CostPerUnitHour)
	}
}

// poolSteps is the pool's units before the oldest decision ts keeps and
// each decision's units at its time; its last decision's units alone
// when they are not the record's last (min without one).
func poolSteps(ts state.Target, minUnits int) (int, []simulated.Step) {
	p, d := ts.Policy, ts.Decisions
	if !p.HasLast {
		return minUnits, nil
	}
	if len(d) == 0 || d[len(d)-1].Desired != p.LastDesired {
		return p.LastDesired, nil
	}
	steps := make([]simulated.Step, len(d))
	for i, dec := range d {
		steps[i] = simulated.Step{At: dec.Explanation.Now, Units: dec.Desired}
	}
	return d[0].Explanation.CurrentUnits, steps
}

// buildAPI builds the REST API and its HTTP server.
func (a *App) buildAPI(o Options, sources []api.SourceInfo, simParts []string) {
	var storeStats func() map[string]int64
	if a.store != nil {
		storeStats = func() map[string]int64 {
			app, rej := a.store.Stats()
			return map[string]int64{"head_series": int64(a.store.SeriesCount()), "samples_appended_since_start": app, "samples_rejected_since_start": rej,
				"staleness_markers_since_start": a.store.Markers()}
		}
	}
	view := api.NewView(a.ctrl, api.Info{Sources: sources, Simulated: simParts, Actuator: a.actName, StoreStats: storeStats, Shard: a.shard, ShardOf: a.shardOf})
	extra := map[string]http.Handler{}
	maps.Copy(extra, o.Extra)
	if a.pool != nil {
		extra["/api/simulated/pool"] = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			api.WriteJSON(w, http.StatusOK, map[string]any{"simulated": true, "pools": a.pool.Status()})
		})
	}
	a.api = api.New(view, api.Options{
		Token: a.cfg.APIToken, StressEnabled: a.cfg.StressTest, StressMax: a.cfg.StressTestMax, Logger: o.Logger, Now: o.Now,
		Metrics: promhttp.HandlerFor(&sharedGather{g: o.Registry}, promhttp.HandlerOpts{
			Registry: o.Registry, ErrorHandling: promhttp.ContinueOnError, MaxRequestsInFlight: a.cfg.MetricsMaxInFlight,
		}),
		Extra: extra,
	})
	a.srv = a.api.HTTPServer(a.cfg.Listen)
	a.srv.ErrorLog = slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn)
}

// buildActuators builds the actuators of cfg.Actuators, each wrapped in a
// level-triggered Level that re-sends the current desired units until
// acknowledged, backing off up to the scaling interval, to
// PRESCALE_ACTUATOR_CONCURRENCY targets at a time. It returns the
// API's list of simulated parts.
func (a *App) buildActuators(cfg config.Config, o Options, ln net.Listener) ([]string, error) {
	am := actuator.NewMetrics(o.Registry)
	var simParts []string
	level := func(d actuator.Deliverer, inline bool) {
		a.levels = append(a.levels, actuator.NewLevel(d, actuator.LevelConfig{
			Now: o.Now, MaxBackoff: cfg.ScalingInterval, Inline: inline, Parallel: cfg.ActuatorConcurrency, Logger: o.Logger, Metrics: am,
		}))
	}
	for _, name := range cfg.Actuators {
		switch name {
		case config.ActuatorWebhook:
			ext := cfg.ExternalURL
			if ext == "" {
				ext = "http://" + advertised(ln.Addr().String()) + actuator.StatusPath
			}
			for i, u := range cfg.WebhookURL {
				name := cfg.WebhookReceiver
				if len(cfg.WebhookURL) > 1 {
					name = fmt.Sprintf("%s-%d", cfg.WebhookReceiver, i+1)
				}
				w, err := actuator.NewWebhook(actuator.WebhookConfig{
					URL: u, Receiver: name, ExternalURL: ext, Timeout: cfg.WebhookTimeout,
					MaxAttempts: cfg.WebhookRetries, Wait: o.WebhookWait, Now: o.Now,
				}, am)
				if err != nil {
					return nil, &config.ConfigError{Var: "WEBHOOK_URL", Msg: err.Error()}
				}
				level(w, false)
			}
		case config.ActuatorExec:
			e, err := actuator.NewExec(cfg.ExecCommand, cfg.ExecTimeout, am)
			if err != nil {
				return nil, &config.ConfigError{Var: "EXEC_COMMAND", Msg: err.Error()}
			}
			// The configured secrets in no variable of a secret's name: the
			// API token in use (PRESCALE_API_TOKEN, or the one prescale run
			// generated), and the history headers' values, by their names.
			e.Hide(cfg.APIToken)
			e.HideHeaders(cfg.PrometheusHeaders...)
			e.Clock(o.Now)
			level(e, false)
		case config.ActuatorSimulated:
			a.pool = simulated.NewPool(o.Now, o.Registry)
			level(a.pool, true) // applied at once: delivered within the cycle
			simParts = append(simParts, "simulated pool actuator")
		}
	}
	a.actName = actuatorNames(a.levels)
	return simParts, nil
}

// units is the simulated pool as the controller's UnitsSource, or nil.
// In forecast-only mode it is nil: nothing is handed to the pool, whose
// units stay at their start, and the policy decided from those (and
// prescale_current_units showed them) every cycle, not from the last
// decision as forecast-only mode does without the pool.
func (a *App) units() controller.UnitsSource {
	if a.pool == nil || a.cfg.Mode != controller.ModeAct {
		return nil
	}
	return a.pool
}

func redactAll(us []string) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = redact.URL(u)
	}
	return out
}

// advertised turns a listen address like [::]:9111 or 0.0.0.0:9111 into
// localhost:9111; another stays as it is.
func advertised(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// Addr is the address the API listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// URL is the base URL of the API.
func (a *App) URL() string { return "http://" + advertised(a.Addr()) }

// Controller returns the loop.
func (a *App) Controller() *controller.Controller { return a.ctrl }

// Store returns the embedded store (nil with a remote Prometheus).
func (a *App) Store() *history.Embedded { return a.store }

// Pool returns the simulated pool (nil unless configured).
func (a *App) Pool() *simulated.Pool { return a.pool }

// Handler returns the HTTP handler (REST API, /metrics, health).
func (a *App) Handler() http.Handler { return a.api.Handler() }

// Run serves HTTP and runs the scraper, the webhook workers and the loop
// until ctx ends, then shuts down and closes the store.
func (a *App) Run(ctx context.Context) error {
	defer func() { _ = a.Close() }()
	a.log.Info("prescale controller starting", a.startAttrs()...)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	wg.Go(func() {
		if err := a.srv.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("PRESCALE_LISTEN %s: %w", a.Addr(), err)
			cancel()
		}
	})
	for _, l := range a.levels {
		wg.Go(func() { l.Run(ctx) })
	}
	if a.scraper != nil {
		// One scrape before the first cycle so a fresh store has a sample.
		a.scraper.ScrapeLogged(ctx, a.now(), a.log)
		wg.Go(func() { a.scraper.Run(ctx, a.cfg.ScrapeInterval, a.now, a.log) })
	}
	wg.Go(func() { _ = a.ctrl.Run(ctx) })
	<-ctx.Done()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = a.srv.Shutdown(sctx)
	scancel()
	a.api.Close()
	wg.Wait()
	// The acknowledgements that arrived after the last cycle; a state
	// file left unsaved is an error of the run (exit 1).
	saveErr := a.ctrl.SaveState()
	select {
	case err := <-errc:
		return errors.Join(err, saveErr)
	default:
		return saveErr
	}
}

// startAttrs describes the configuration in one log line: listen address,
// mode, actuator, history source and every target (name, query).
func (a *App) startAttrs() []any {
	ts := a.ctrl.Targets()
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = fmt.Sprintf("%s=%q", t.Name, t.Query)
	}
	return []any{"url", a.URL(), "mode", a.cfg.Mode, "actuator", a.actName, "history", a.source,
		"shard", fmt.Sprintf("%d/%d (%d of %d targets)", a.shard.Index, a.shard.Count, a.shard.Targets, a.shard.TargetsTotal),
		"targets", strings.Join(parts, " ")}
}

// Close releases the listener, the store and the data directory lock (Run
// calls it).
func (a *App) Close() error {
	var err error
	a.closeMu.Do(func() {
		if a.ln != nil {
			_ = a.ln.Close()
		}
		if a.store != nil {
			err = a.store.Close()
		}
		if lerr := a.lock.Release(); err == nil {
			err = lerr
		}
	})
	return err
}

// QuietLogger passes only warnings and errors of l (the TSDB logs every
// compaction at info level).
func QuietLogger(l *slog.Logger) *slog.Logger {
	return slog.New(minLevel{l.Handler(), slog.LevelWarn})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(a), h.min}
}
func (h minLevel) WithGroup(n string) slog.Handler { return minLevel{h.Handler.WithGroup(n), h.min} }

// actuatorNames joins the actuators' names with "+" ("none" for none).
func actuatorNames(ls []*actuator.Level) string {
	if len(ls) == 0 {
		return config.ActuatorNone
	}
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name()
	}
	return strings.Join(names, "+")
}
