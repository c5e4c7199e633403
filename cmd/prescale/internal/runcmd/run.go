// Package runcmd is `prescale run`: the exporter, an embedded store, the
// controller and a simulated pool in one process on one listener, with
// run's own defaults (this host's CPU demand as the target) and, with
// --backfill, a trace replayed into the store (cmd/prescale/internal/backfill).
package runcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prescale/prescale/cmd/prescale/internal/backfill"
	"github.com/prescale/prescale/controller"
	"github.com/prescale/prescale/controller/app"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/exporter"
	"github.com/prescale/prescale/internal/apitoken"
	"github.com/prescale/prescale/internal/buildinfo"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/datadir"
	"github.com/prescale/prescale/internal/envcheck"
	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/trace"
)

// Defaults of `prescale run` that differ from prescale-controller's; each
// applies only when its variable is unset.
const (
	// runCPUQuery is this host's CPU demand in cores: the busy share of the
	// exporter's per-cpu counters.
	runCPUQuery = `sum(rate(prescale_cpu_seconds_total{mode!~"idle|iowait|steal"}[2m]))`
	// runPrice is the simulated pool's price per unit-hour.
	runPrice = 0.05
)

// runFlags are prescale run's command line.
type runFlags struct {
	backfill string
	capacity float64
}

// runError is a failure of prescale run with its exit code (2: bad usage
// or configuration, 1: anything else).
type runError struct {
	code int
	err  error
}

func (e *runError) Error() string { return e.err.Error() }

func usageErr(format string, a ...any) error {
	return &runError{2, fmt.Errorf(format, a...)}
}

// runProc is one prescale run process being built: what each step adds,
// and what close releases if a later step fails.
type runProc struct {
	flags     runFlags
	cfg       config.Config
	log       *slog.Logger
	level     slog.LevelVar // PRESCALE_LOG_LEVEL, set once the configuration is read
	reg       *prometheus.Registry
	tr        *trace.Trace
	ln        net.Listener
	lock      *datadir.Lock
	replay    *history.Replay
	traceName string
	store     *history.Embedded
	tokenFile string // where a generated token was written; "" when the operator gave one
	tokenNew  bool   // tokenFile was written by this run (else reused)
}

// runFlagGroups are prescale run's flags by purpose (-h prints them in
// this order; cmd/prescale's help test requires every flag to be in one).
var runFlagGroups = []clihelp.Group{
	clihelp.G("Backfill", "backfill", "capacity"),
}

// runUnread: the exporter's settings run leaves to the controller's.
var runUnread = []string{"PRESCALE_EXPORTER_LISTEN", "PRESCALE_EXPORTER_MAX_IN_FLIGHT", "PRESCALE_EXPORTER_LOG_LEVEL"}

// Run is `prescale run args...` (docs/commands.md); it returns the exit
// code: 0 after a clean shutdown, 1 on a failure, 2 for bad usage or
// configuration.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags, code, ok := parseRunFlags(args, stdout, stderr)
	if !ok {
		return code
	}
	envcheck.Warn(stderr, "prescale run", os.Environ(), envcheck.AllScope, config.Config{}, exporter.Config{})
	envcheck.WarnUnread(stderr, "prescale run", os.Environ(), runUnread, "PRESCALE_LISTEN, PRESCALE_METRICS_MAX_IN_FLIGHT and PRESCALE_LOG_LEVEL serve both")
	p := &runProc{flags: flags}
	p.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: &p.level}))
	clihelp.IgnoreHangup(ctx, p.log)
	a, err := p.build(ctx, stdout, stderr)
	if err != nil {
		p.close()
		// What it repeats of the command line and the variables cut (a
		// path holding spaces too); its log is not: a query is logged whole.
		fmt.Fprintln(stderr, "prescale run:", redact.CutGiven(err.Error(), redact.MaxEchoed, append(slices.Clone(args), os.Environ()...)...))
		var re *runError
		if errors.As(err, &re) {
			return re.code
		}
		return 1
	}
	p.printBanner(stdout, a)

	var wg sync.WaitGroup
	rctx, cancel := context.WithCancel(ctx)
	if p.replay != nil {
		wg.Go(func() { p.replay.Run(rctx, p.cfg.ScrapeInterval, time.Now, p.log) })
	}
	err = a.Run(ctx)
	cancel()
	wg.Wait()
	if err != nil {
		fmt.Fprintln(stderr, "prescale run:", err)
		return 1
	}
	// Shut down: the API closed, the state saved, the store closed.
	p.log.Info("prescale run stopped")
	return 0
}

// parseRunFlags parses the command line; ok false means exit with code.
func parseRunFlags(args []string, stdout, stderr io.Writer) (f runFlags, code int, ok bool) {
	flags := flag.NewFlagSet("prescale run", flag.ContinueOnError)
	flags.StringVar(&f.backfill, "backfill", "", "trace CSV (timestamp,value) replayed into the embedded store as target \"trace\": its first 70% ends now and is loaded at start (only the last PRESCALE_HISTORY_WINDOW of it, as one block), the rest as its time comes; refused when the data directory already holds a store")
	flags.Float64Var(&f.capacity, "capacity", 0, "with --backfill: demand one unit of the \"trace\" target serves, in [1e-9, 1e15] (0: the trace's 95th percentile / 5); with PRESCALE_TARGETS_FILE the file's entries are the targets (no \"trace\" target is added: give the entry reading prescale_trace_demand its capacity_per_unit)")
	clihelp.SetUsage(flags, "prescale run [--backfill FILE.csv] [--capacity C]",
		"Runs the exporter, an embedded TSDB, the controller and a SIMULATED resource pool in one process "+
			"on PRESCALE_LISTEN. It reads prescale-controller's and prescale-exporter's variables (not "+
			"PRESCALE_EXPORTER_LISTEN and PRESCALE_EXPORTER_MAX_IN_FLIGHT: one listener serves both, its /metrics "+
			"limited by PRESCALE_METRICS_MAX_IN_FLIGHT; one log, by PRESCALE_LOG_LEVEL); the defaults below are run's own: the "+
			"simulated pool, and as target this host's CPU demand in cores.",
		runFlagGroups, runEnvHelp)
	if code, ok := clihelp.ParseArgs(flags, args, stdout, stderr); !ok {
		return f, code, false
	}
	if c := f.capacity; c != 0 && !(c >= policy.MinCapacityPerUnit && c <= policy.MaxCapacityPerUnit) {
		fmt.Fprintf(stderr, "prescale run: --capacity must be 0 (the trace's 95th percentile / 5) or in [%g, %g], the demand one unit serves in the trace's unit; got %v\n",
			policy.MinCapacityPerUnit, float64(policy.MaxCapacityPerUnit), c)
		return f, 2, false
	}
	if f.capacity != 0 && f.backfill == "" {
		// It was read by nothing.
		fmt.Fprintln(stderr, "prescale run: --capacity goes with --backfill (the replayed trace's capacity per unit)")
		return f, 2, false
	}
	return f, 0, true
}

// build makes every part up to a ready App, in the order that keeps
// failures cheap: configuration, the listener (a busy address fails with
// the data directory untouched), the directory lock, the token, the
// backfill, the store.
func (p *runProc) build(ctx context.Context, stdout, stderr io.Writer) (*app.App, error) {
	if err := p.configure(); err != nil {
		return nil, err
	}
	var err error
	if p.ln, err = net.Listen("tcp", p.cfg.Listen); err != nil {
		// As prescale-controller says it, the address and the parts the
		// error repeats cut (a port holding spaces is not cut where the
		// error is printed).
		return nil, usageErr("PRESCALE_LISTEN: %s", app.ListenError(p.cfg.Listen, err))
	}
	if p.lock, err = datadir.Acquire(p.cfg.DataDir); err != nil {
		return nil, usageErr("PRESCALE_DATA_DIR: %v", err)
	}
	if err := p.ensureToken(); err != nil {
		return nil, err
	}
	if err := p.backfillStore(ctx, stdout, stderr); err != nil {
		return nil, err
	}
	a, err := app.New(p.cfg, app.Options{Registry: p.reg, Gather: p.reg, GatherJob: "prescale", Embedded: p.store,
		DirLock: p.lock, Listener: p.ln, Logger: p.log})
	p.store, p.lock, p.ln = nil, nil, nil // handed over: New closes them on failure
	if err != nil {
		return nil, &runError{2, err}
	}
	return a, nil
}

// close releases what build acquired and did not hand over.
func (p *runProc) close() {
	if p.store != nil {
		_ = p.store.Close()
	}
	if p.ln != nil {
		_ = p.ln.Close()
	}
	_ = p.lock.Release()
}

// configure reads the controller's and the exporter's variables with run's
// defaults, the backfill trace, and builds the one registry.
func (p *runProc) configure() error {
	if err := clihelp.ProcessEnv(config.EnvPrefix, &p.cfg); err != nil {
		return usageErr("bad configuration: %v", clihelp.EnvError(err))
	}
	p.level.Set(p.cfg.LogLevel)
	runDefaults(&p.cfg)
	if p.cfg.PrometheusURL != "" {
		return usageErr("PRESCALE_PROMETHEUS_URL is set; prescale run always uses its embedded store (use prescale-controller for a remote Prometheus)")
	}
	if p.flags.backfill != "" {
		tr, err := trace.ReadFile(p.flags.backfill)
		if err != nil {
			return usageErr("--backfill: %v", err)
		}
		if tr.Len() < 10 {
			return usageErr("--backfill %s: %d samples, need at least 10", p.flags.backfill, tr.Len())
		}
		p.tr = tr
		if unsetEnv("STEP") {
			p.cfg.Step = history.MedianStep(tr.T)
		}
	}
	// A step under 1m (set, or a backfilled trace's) would exceed
	// config.MaxHistoryPoints with the 336h default: run shortens an unset
	// window, as prescale-controller does, and says so as it does.
	if from, fitted := p.cfg.FitHistoryWindow(); fitted {
		p.cfg.LogFittedWindow(p.log, from)
	}
	if err := p.buildRegistry(); err != nil {
		return err
	}
	if err := p.cfg.Validate(); err != nil {
		return usageErr("bad configuration:\n%v", err)
	}
	return p.checkTraceTargets()
}

// checkTraceTargets: with PRESCALE_TARGETS_FILE, --backfill adds no
// "trace" target (the file's entries are the targets), so --capacity is
// read by nothing (exit 2) and a file without an entry reading the
// replayed metric decides nothing on the trace (a WARN naming the query
// to add). Both went without a word: the trace was loaded and replayed.
func (p *runProc) checkTraceTargets() error {
	if p.flags.backfill == "" || p.cfg.TargetsFile == "" {
		return nil
	}
	if p.flags.capacity != 0 {
		return usageErr("--capacity: with PRESCALE_TARGETS_FILE the file's entries are the targets: give the entry reading the trace its capacity_per_unit")
	}
	ts, err := p.cfg.Targets()
	if err != nil {
		return usageErr("%v", err)
	}
	for _, t := range ts {
		if strings.Contains(t.Query, backfill.Metric) {
			return nil
		}
	}
	p.log.Warn("--backfill with PRESCALE_TARGETS_FILE: no entry reads the replayed trace, so no target decides on it; add one",
		"query", fmt.Sprintf("%s{trace=%q}", backfill.Metric, backfill.Name(p.flags.backfill)), "file", p.cfg.TargetsFile)
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func unsetEnv(v string) bool { _, ok := os.LookupEnv(config.EnvPrefix + "_" + v); return !ok }

// runHelpDefaults are runDefaults as prescale run -h shows them.
func runHelpDefaults() map[string]string {
	return map[string]string{
		"PRESCALE_ACTUATOR":                  config.ActuatorSimulated + ", none when PRESCALE_MODE is forecast-only",
		"PRESCALE_TARGET_QUERY":              runCPUQuery,
		"PRESCALE_TARGET_NAME":               "host-cpu",
		"PRESCALE_TARGET_TIER":               "host",
		"PRESCALE_TARGET_KIND":               "cpu",
		"PRESCALE_TARGET_MAX_UNITS":          fmt.Sprintf("%d: 2 x cpus, at least 4", max(4, 2*runtime.NumCPU())),
		"PRESCALE_TARGET_COST_PER_UNIT_HOUR": strconv.FormatFloat(runPrice, 'g', -1, 64),
		"PRESCALE_SCALING_INTERVAL":          "30s",
		"PRESCALE_STEP":                      "1m, or the backfilled trace's step",
		"PRESCALE_HISTORY_WINDOW":            "336h, or 20160 steps when PRESCALE_STEP is under 1m",
		"PRESCALE_API_TOKEN":                 "random, written to $PRESCALE_DATA_DIR/api-token (mode 0600, reused), never printed",
		"PRESCALE_PROMETHEUS_URL":            "empty; run always uses its embedded store",
	}
}

// runEnvHelp lists the variables prescale run reads, with its defaults.
func runEnvHelp(w io.Writer) {
	fmt.Fprintln(w, "\nEnvironment (the controller's, then the exporter's):")
	vars := clihelp.Vars(config.EnvPrefix, config.Config{})
	defs := runHelpDefaults()
	for i, v := range vars {
		if d, ok := defs[v.Name]; ok {
			vars[i].Default = d
		}
	}
	clihelp.Env(w, vars, clihelp.ControllerEnv)
	var evars []clihelp.Var
	for _, v := range clihelp.Vars(exporter.EnvPrefix, exporter.Config{}) {
		if !slices.Contains(runUnread, v.Name) {
			evars = append(evars, v)
		}
	}
	clihelp.Env(w, evars, clihelp.ExporterEnv)
}

// runDefaults applies the defaults of prescale run that differ from
// prescale-controller's, each only when its variable is unset.
// The simulated pool is run's default actuator in act mode only: in
// forecast-only mode nothing is handed to it (it warned at start, of a
// variable the user never set).
func runDefaults(cfg *config.Config) {
	if unsetEnv("ACTUATOR") && cfg.Mode != controller.ModeForecastOnly {
		cfg.Actuators = []string{config.ActuatorSimulated}
	}
	if unsetEnv("TARGET_QUERY") && cfg.TargetsFile == "" {
		cfg.TargetQuery = runCPUQuery
		if unsetEnv("TARGET_NAME") {
			cfg.TargetName = "host-cpu"
		}
		if unsetEnv("TARGET_TIER") {
			cfg.TargetTier = "host"
		}
		if unsetEnv("TARGET_KIND") {
			cfg.TargetKind = "cpu"
		}
		if unsetEnv("TARGET_MAX_UNITS") {
			cfg.MaxUnits = max(4, 2*runtime.NumCPU())
		}
	}
	if unsetEnv("TARGET_COST_PER_UNIT_HOUR") {
		cfg.CostPerUnitHour = runPrice
	}
	if unsetEnv("SCALING_INTERVAL") {
		cfg.ScalingInterval = 30 * time.Second
	}
	if unsetEnv("STEP") {
		cfg.Step = time.Minute
	}
}

// buildRegistry makes the one registry: exporter, controller, Go and
// process metrics; it is served on /metrics and gathered into the store.
func (p *runProc) buildRegistry() error {
	p.reg = buildinfo.NewRegistry("prescale")
	ecfg, err := runExporterConfig()
	if err != nil {
		return usageErr("bad exporter configuration: %v", clihelp.EnvError(err))
	}
	col, err := exporter.NewCollector(ecfg, exporter.WithLogger(p.log))
	if err != nil {
		return usageErr("%v", err)
	}
	p.reg.MustRegister(col)
	return nil
}

// runExporterConfig reads the exporter's variables but runUnread, which
// run warns about and does not use: they stopped it when empty or holding
// a value the exporter alone refuses. envconfig fills a struct of
// exporter.Config's fields without those, built from the type so that it
// follows it; they keep their defaults.
func runExporterConfig() (exporter.Config, error) {
	cfg := exporter.DefaultConfig()
	all := reflect.ValueOf(&cfg).Elem()
	var fields []reflect.StructField
	for i := range all.NumField() {
		f := all.Type().Field(i)
		if f.IsExported() && !slices.Contains(runUnread, exporter.EnvPrefix+"_"+f.Tag.Get("envconfig")) {
			fields = append(fields, f)
		}
	}
	read := reflect.New(reflect.StructOf(fields)).Elem()
	for i := range read.NumField() {
		read.Field(i).Set(all.FieldByName(read.Type().Field(i).Name))
	}
	if err := clihelp.ProcessEnv(exporter.EnvPrefix, read.Addr().Interface()); err != nil {
		return cfg, err
	}
	for i := range read.NumField() {
		all.FieldByName(read.Type().Field(i).Name).Set(read.Field(i))
	}
	return cfg, nil
}

// ensureToken leaves an operator-supplied PRESCALE_API_TOKEN alone (it is
// never printed); without one it reuses DATA_DIR/api-token or writes a new
// random token there with mode 0600 (internal/apitoken), so the banner can
// name the file instead of showing the token.
func (p *runProc) ensureToken() error {
	if p.cfg.APIToken != "" {
		return nil
	}
	path := filepath.Join(p.cfg.DataDir, apitoken.FileName)
	if tok, perm, ok, err := apitoken.Read(path); ok {
		if perm&0o077 != 0 {
			// Made 0600 again without a word: others may have read it.
			p.log.Warn("the API token file was readable by others: its mode is 0600 again; delete it to have a new token generated",
				"file", path, "mode", fmt.Sprintf("%#o", perm))
		}
		if err != nil {
			return &runError{1, fmt.Errorf("PRESCALE_DATA_DIR: %w", err)}
		}
		if !apitoken.Usable(tok) {
			// Reported as a bad PRESCALE_API_TOKEN, which the operator
			// had not set; the file is what to fix. Never echoed.
			return usageErr("PRESCALE_DATA_DIR: %s holds a token that is not printable ASCII without white space, as a bearer token is "+
				"(RFC 6750 section 2.1): white space, a control character or a character beyond ASCII inside it, which an Authorization "+
				"header would not carry as given; write a token without one, or delete the file to have one generated", path)
		}
		p.cfg.APIToken, p.tokenFile = tok, path
		return nil
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil && strings.TrimSpace(string(b)) != "":
		// An operator's own token, too short to be kept: it was replaced
		// by a generated one without a word, and their clients got 401.
		// Neither the token nor its length is said.
		return usageErr("PRESCALE_DATA_DIR: %s holds fewer than the 16 characters of a token: write a longer one, "+
			"or delete the file to have one generated (or set PRESCALE_API_TOKEN)", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		// A token file this user cannot read (another owner, mode 0600)
		// was replaced by a generated token, and its clients got 401.
		return usageErr("PRESCALE_DATA_DIR: the API token file cannot be read (%v): make it readable by this user, "+
			"or delete it to have one generated (or set PRESCALE_API_TOKEN)", err)
	}
	tok, err := apitoken.New(path)
	if err != nil {
		return &runError{1, fmt.Errorf("PRESCALE_DATA_DIR: writing the API token: %w", err)}
	}
	p.cfg.APIToken, p.tokenFile, p.tokenNew = tok, path, true
	return nil
}

// backfillStore writes the trace's history window into a new store as
// one block (refusing a data directory that already holds one: the block
// would overlap what is there) and opens the store.
func (p *runProc) backfillStore(ctx context.Context, stdout, stderr io.Writer) error {
	tsdbDir := filepath.Join(p.cfg.DataDir, "tsdb")
	lookStep := p.cfg.Step
	if p.tr != nil {
		if err := p.backfill(ctx, tsdbDir, stdout, stderr); err != nil {
			return err
		}
		// The lookback covers the coarser of the query step and the
		// trace's spacing, so a replayed sample is seen until the next one.
		lookStep = max(lookStep, history.MedianStep(p.tr.T))
	}
	var err error
	p.store, err = history.OpenEmbedded(tsdbDir, history.EmbeddedOptions{
		Retention: p.cfg.Retention, QueryTimeout: p.cfg.QueryTimeout, LookbackDelta: history.LookbackFor(lookStep),
		Logger: app.QuietLogger(p.log), Registerer: p.reg,
	})
	if err != nil {
		return fmt.Errorf("PRESCALE_DATA_DIR: %w", err)
	}
	if p.replay != nil {
		p.replay.Attach(p.store)
		if err := backfill.WriteTargets(&p.cfg, p.replay, p.traceName, p.flags.capacity); err != nil {
			return err
		}
	} else if path := filepath.Join(p.cfg.DataDir, backfill.TargetsFile); p.cfg.TargetsFile == "" && fileExists(path) {
		// The trace target vanished from a restart without a word.
		p.log.Warn("this data directory was started with --backfill: without it the trace is neither decided nor replayed further; "+
			"to replay it again, give --backfill an empty PRESCALE_DATA_DIR", "file", path)
	}
	return nil
}

func (p *runProc) backfill(ctx context.Context, tsdbDir string, stdout, stderr io.Writer) error {
	p.traceName = backfill.Name(p.flags.backfill)
	var err error
	p.replay, err = backfill.Write(ctx, backfill.Options{Dir: tsdbDir, Trace: p.tr, Path: p.flags.backfill,
		Window: p.cfg.HistoryWindow, Step: p.cfg.Step, Logger: app.QuietLogger(p.log)}, time.Now(), stdout, stderr)
	var in *backfill.InputError
	if errors.As(err, &in) {
		return usageErr("%v", err)
	}
	return err
}

// printBanner prints where everything is. The API token is never printed:
// the curl line reads it from the file run wrote, or from the operator's
// PRESCALE_API_TOKEN.
func (p *runProc) printBanner(stdout io.Writer, a *app.App) {
	auth := `$PRESCALE_API_TOKEN`
	tokenLine := "(PRESCALE_API_TOKEN, as given)"
	if p.tokenFile != "" {
		auth = "$(cat " + p.tokenFile + ")"
		tokenLine = p.tokenFile + " (reused, mode 0600)" // it said "generated"
		if p.tokenNew {
			tokenLine = p.tokenFile + " (generated, mode 0600)"
		}
	}
	u := a.URL()
	// With PRESCALE_ACTUATOR other than run's default, there is no pool:
	// the banner named one and its URL answered 404.
	acting, pool := "SIMULATED pool", ""
	if slices.Contains(p.cfg.Actuators, config.ActuatorSimulated) {
		pool = fmt.Sprintf("  simulated pool  %s/api/simulated/pool\n", u)
	} else {
		acting = "actuator " + strings.Join(p.cfg.Actuators, ",")
	}
	fmt.Fprintf(stdout, `prescale run: exporter + embedded store (%s) + controller + %[6]s
  REST API        %[2]s/api/scaling/status   %[2]s/api/predictions
                  %[2]s/api/metrics   %[2]s/api/system/health   %[2]s/api/verification
%[7]s  metrics         %[2]s/metrics   (exporter + controller)
  health          %[2]s/healthz   %[2]s/readyz
  API token       %[5]s
  manual scaling  curl -H "Authorization: Bearer %[3]s" -H 'Content-Type: application/json' -d '{"target":"%[4]s","units":2}' %[2]s/api/scaling/execute
`, p.cfg.DataDir, u, auth, firstTarget(a), tokenLine, acting, pool)
}

func firstTarget(a *app.App) string {
	ts := a.Controller().Targets()
	if len(ts) == 0 {
		return ""
	}
	return ts[0].Name
}
