// Package backtestcmd is `prescale backtest`: its flags and their checks,
// the demand read from a trace file or a Prometheus query_range, the
// replay through controller/backtest with its progress, and the decisions,
// explanation and plot written whole or not at all.
package backtestcmd

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prescale/prescale/cmd/prescale/internal/outputs"
	"github.com/prescale/prescale/controller/backtest"
	"github.com/prescale/prescale/controller/config"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/atomicfile"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/redact"
	"github.com/prescale/prescale/internal/tlsfiles"
	"github.com/prescale/prescale/internal/trace"
	"github.com/prescale/prescale/predictor/anomaly"
)

// Run implements `prescale backtest` (docs/architecture.md, "CLI
// contracts"): replay a trace (CSV or a Prometheus query_range) through the
// decision engine and a simulated pool, write timestamp,desired for every
// sample and print a summary beside a reactive HPA at equal cost.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, o := newBacktestFlags()
	if code, ok := clihelp.ParseArgs(fs, args, stdout, stderr); !ok {
		return code
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "prescale backtest: %v\n", outputs.Interrupted(err))
		return code
	}
	fs.Visit(func(f *flag.Flag) { o.set = append(o.set, f.Name) })
	if err := o.checkOutputs(); err != nil {
		return fail(2, err)
	}
	cfg, err := o.config()
	if err != nil {
		return fail(2, err)
	}
	ts, vs, source, code, err := o.load(ctx)
	if err != nil {
		return fail(code, err)
	}
	if err := o.checkTrace(ts, vs, &cfg); err != nil {
		return fail(2, err)
	}
	o.progress(&cfg, len(ts), stderr)
	res, err := backtest.Run(ctx, ts, vs, cfg)
	if err != nil {
		return fail(1, err)
	}
	if err := o.writeOutputs(ctx, res); err != nil {
		return fail(1, err)
	}
	backtest.WriteSummary(stdout, res, source, cfg.Target)
	if *o.robustness {
		scenarios, err := o.robustnessScenarios(ctx, ts, vs, cfg, res)
		if err != nil {
			return fail(1, err)
		}
		backtest.WriteRobustness(stdout, scenarios)
	}
	return 0
}

// checkTrace checks the flags against the trace loaded (ts, vs): its
// scale against --capacity, its step against --lag and --plot-last, its
// length against --eval-from, which sets cfg's EvalStart. An error is a
// bad configuration (exit 2).
func (o *backtestOpts) checkTrace(ts []int64, vs []float64, cfg *backtest.Config) error {
	if err := backtestCheckScale(vs, *o.capacity); err != nil {
		return err
	}
	if len(ts) >= 2 {
		step := history.MedianStep(ts)
		if err := engine.CheckLead(*o.lag, step, step); err != nil {
			return fmt.Errorf("--lag: %w (the trace's step is %s)", err, step)
		}
		if *o.plotLast > 0 && *o.plotLast < 2*step { // it drew one sample
			return fmt.Errorf("--plot-last %s holds fewer than 2 samples of the trace's %s step", *o.plotLast, step)
		}
	}
	var err error
	if cfg.EvalStart, err = backtest.EvalStartIndex(*o.evalFrom, len(ts)); err != nil {
		return fmt.Errorf("--eval-from: %w", err)
	}
	return nil
}

// progress makes cfg report to stderr every 5 % of a trace of n samples,
// 20,000 or more, unless --quiet.
func (o *backtestOpts) progress(cfg *backtest.Config, n int, stderr io.Writer) {
	if *o.quiet || n < 20000 {
		return
	}
	started := time.Now()
	cfg.ProgressEvery = n / 20
	cfg.Progress = func(done, total int) {
		fmt.Fprintf(stderr, "prescale backtest: %d/%d samples (%.0f %%) in %s\n",
			done, total, 100*float64(done)/float64(total), time.Since(started).Round(time.Millisecond))
	}
}

// robustnessScenarios is --robustness: res's decisions on a pool twice as
// slow and twice as fast as configured, and a re-run with units
// backtest.FinerUnits finer (issue 11's robustness scenarios, as
// scripts/autoscale_eval.py scores them with the referee).
func (o *backtestOpts) robustnessScenarios(ctx context.Context, ts []int64, vs []float64, cfg backtest.Config, res *backtest.Result) ([]backtest.Scenario, error) {
	var out []backtest.Scenario
	for _, f := range []float64{backtest.SlowLag, backtest.FastLag} {
		s, err := backtest.LagScenario(ctx, res, cfg, f)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	capacity := *o.capacity
	*o.capacity = capacity * backtest.FinerUnits
	finer, err := o.config() // a fresh detector, as each run needs
	*o.capacity = capacity
	if err != nil {
		return nil, fmt.Errorf("--robustness: units %gx finer: %w", 1/backtest.FinerUnits, err)
	}
	finer.Explain, finer.EvalStart = false, cfg.EvalStart
	r, err := backtest.Run(ctx, ts, vs, finer)
	if err != nil {
		return nil, err
	}
	return append(out, backtest.FinerScenario(r, finer.Target.CapacityPerUnit)), nil
}

// writeOutputs writes the decisions, the explanation and the plot to
// temporary files and renames them only when all are complete and ctx is
// not cancelled: a SIGTERM or a failure leaves no partial output.
func (o *backtestOpts) writeOutputs(ctx context.Context, res *backtest.Result) error {
	type output struct {
		flag string
		f    *atomicfile.File
	}
	var staged []output
	abort := func() {
		for _, out := range staged {
			if out.f != nil {
				out.f.Abort()
			}
		}
	}
	for _, out := range []struct {
		flag, path string
		write      func(io.Writer, *backtest.Result) error
	}{
		{"--decisions", *o.decisions, backtest.WriteDecisions},
		{"--explain", *o.explain, backtest.WriteExplain},
	} {
		if out.path == "" {
			continue
		}
		f, err := writeCSV(out.path, res, out.write)
		if err != nil {
			abort()
			return fmt.Errorf("%s: %w", out.flag, err)
		}
		staged = append(staged, output{out.flag, f})
	}
	if *o.plotPath != "" {
		plot, err := atomicfile.Create(*o.plotPath)
		if err == nil {
			staged = append(staged, output{"--plot", plot})
			_ = plot.Close() // PlotLast writes the file by its name
			err = backtest.PlotLast(res, *o.capacity, plot.Name(), *o.plotLast)
		}
		if err != nil {
			abort()
			return fmt.Errorf("--plot: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		abort()
		return err
	}
	for i, out := range staged {
		staged[i].f = nil
		if err := out.f.Commit(); err != nil {
			abort()
			return fmt.Errorf("%s: %w", out.flag, err)
		}
	}
	return nil
}

// writeCSV writes res to a temporary file beside path with write; the
// caller commits or aborts it.
func writeCSV(path string, res *backtest.Result, write func(io.Writer, *backtest.Result) error) (*atomicfile.File, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(f)
	if err = write(w, res); err == nil {
		err = w.Flush()
	}
	if err != nil {
		f.Abort()
		return nil, err
	}
	return f, nil
}

// backtestFlagGroups are the flags by purpose (-h prints them in this
// order; cmd/prescale's help test requires every flag to be in one).
var backtestFlagGroups = []clihelp.Group{
	clihelp.G("Demand (one of --trace and --prometheus)", "trace", "prometheus", "query", "range", "step", "header", "timeout",
		"ca-file", "cert-file", "key-file", "server-name"),
	clihelp.G("Cluster", "capacity", "lag", "min", "max", "utilization"),
	clihelp.G("Decision engine (the defaults are the measured configuration)", "coverage", "risk", "floor",
		"usage-window", "detector", "anomaly-threshold", "hold", "shadow-hpa", "change-cost", "tolerance",
		"scale-up-cooldown", "scale-down-cooldown", "confidence-threshold"),
	clihelp.G("Output and scoring", "decisions", "explain", "plot", "plot-last", "eval-from", "hpa-targets", "robustness", "quiet"),
}

// NewFlagSet is prescale backtest's flag set, as -h prints it.
func NewFlagSet() *flag.FlagSet {
	fs, _ := newBacktestFlags()
	return fs
}

// backtestOpts are the flags of `prescale backtest`.
type backtestOpts struct {
	tracePath, floorMode, detector, decisions, explain, plotPath, evalFrom, hpaTargets *string
	promURL, promQuery, promRange                                                      *string
	promTLS                                                                            tlsfiles.Files
	promHeaders                                                                        []string
	capacity, utilisation, coverage, risk, anomalyTh, changeCost, tolerance            *float64
	confidence                                                                         *float64
	lag, usageWindow, upCool, downCool, plotLast, promStep, promTimeout                *time.Duration
	minUnits, maxUnits                                                                 *int
	hold, shadowHPA, quiet, robustness                                                 *bool
	set                                                                                []string // the flags given
}

func newBacktestFlags() (*flag.FlagSet, *backtestOpts) {
	fs := flag.NewFlagSet("prescale backtest", flag.ContinueOnError)
	o := &backtestOpts{}
	o.tracePath = fs.String("trace", "", "demand trace CSV (timestamp,value); or use --prometheus")
	o.capacity = fs.Float64("capacity", 0, "demand one unit serves at 100 % utilisation (required, in [1e-9, 1e15])")
	o.lag = clihelp.Duration(fs, "lag", 300*time.Second, "provisioning lag: a unit requested now serves from now+lag")
	o.minUnits = fs.Int("min", 1, "minimum units")
	o.maxUnits = fs.Int("max", 100, "maximum units, in [1, "+strconv.Itoa(policy.MaxUnitsLimit)+"]")
	o.utilisation = fs.Float64("utilization", 1, "target utilisation in (0, 1] for the decision engine (the violation test is at 100 %)")
	o.coverage = fs.Float64("coverage", engine.DefaultCoverage, "central coverage of the forecast interval whose upper bound is provisioned when --risk is 0, in (0, 1)")
	o.risk = fs.Float64("risk", engine.DefaultRiskPerUnit, "violation probability a unit must remove from a lead window to be worth its cost, in [0, 1); 0 provisions the upper bound of --coverage")
	o.floorMode = fs.String("floor", string(engine.DefaultFloorMode), "reactive floor: scale_up (never below the HPA formula on current demand) or hold (the same, and keep the units used within --usage-window)")
	o.usageWindow = clihelp.Duration(fs, "usage-window", 0, "with --floor hold, keep the units demand used within this window, as PRESCALE_TARGET_USAGE_WINDOW (default: the --lag, as the controller's default lag; 0: off)")
	o.detector = fs.String("detector", engine.DefaultDetector, "streaming anomaly detector whose flagged samples are kept out of fitting and decided reactively ("+strings.Join(anomaly.DetectorNames(), ", ")+", or none)")
	o.anomalyTh = fs.Float64("anomaly-threshold", engine.DefaultAnomalyThreshold, "anomaly score at or above which a sample is flagged, in (0, 1]")
	o.hold = fs.Bool("hold", true, "keep each recommendation until its units are ready (stabilisation window: the lag)")
	o.shadowHPA = fs.Bool("shadow-hpa", true, "shadow HPA safety net: when a reactive HPA would recently have done better on the decision's objective (units·risk + violations), its recommendation is a floor; event pacing compares with its HPAs' scale events (the controller always runs both with --risk > 0)")
	o.changeCost = fs.Float64("change-cost", engine.DefaultChangeCost, "price of one scale event in violation probability per lead window: change units only when the move lowers units·risk + violation probability by more than this, in [0, 1)")
	o.tolerance = fs.Float64("tolerance", 0, "relative dead band around the current units, in [0, 1) (the controller's PRESCALE_TARGET_TOLERANCE)")
	o.upCool = clihelp.Duration(fs, "scale-up-cooldown", 0, "minimum time between scale-ups (PRESCALE_TARGET_SCALE_UP_COOLDOWN)")
	o.downCool = clihelp.Duration(fs, "scale-down-cooldown", 0, "minimum time after any scaling before a scale-down (PRESCALE_TARGET_SCALE_DOWN_COOLDOWN)")
	o.confidence = fs.Float64("confidence-threshold", policy.DefaultConfidenceThreshold, "forecast confidence below which decisions are reactive, in [0, 1]")
	o.decisions = fs.String("decisions", "", "output CSV: timestamp,desired for every trace timestamp (required)")
	o.explain = fs.String("explain", "", "optional CSV: for every sample, what its decision was made from (demand as the engine was fed it: a NaN row's value carried by the store, NaN if none; units before and after, "+
		"ready units, reason and rule, reactive, shadow HPA and crowd trend floors, forecast and wanted units, what set the wanted units, exceedance, peak quantiles, "+
		"round trips, forgone gain, event pacing multiplier, release band, climb ahead, wide band, calm hold units, anomaly flag) beside the HPA at equal cost's ready and "+
		"requested units")
	o.plotPath = fs.String("plot", "", "optional plot (.svg, .png or .pdf): demand, the ready capacity of prescale and of the HPA at equal cost, violations, each side's scale events, the scored samples shaded")
	o.plotLast = clihelp.Duration(fs, "plot-last", 0, "plot only the last part of the trace, e.g. 72h, at full resolution (0: the whole trace)")
	o.evalFrom = fs.String("eval-from", "0", "count summary figures (and shade the plot) from sample floor(F·n), F in [0, 1)")
	o.hpaTargets = fs.String("hpa-targets", "", "comma-separated HPA utilisation targets of the curve prescale is compared with at equal cost, each in [0.001, 1] (default 0.4,0.45,...,0.95)")
	o.promURL = fs.String("prometheus", "", "Prometheus base URL to replay a series from (instead of --trace)")
	o.promQuery = fs.String("query", "", "PromQL expression returning one series (with --prometheus)")
	o.promRange = fs.String("range", "14d", "how far back to replay from now (with --prometheus), e.g. 14d, 36h, 1d12h (Prometheus durations)")
	o.promStep = clihelp.Duration(fs, "step", time.Minute, "query_range resolution, whole seconds (with --prometheus)")
	o.promTimeout = clihelp.Duration(fs, "timeout", 2*time.Minute, "overall timeout of the Prometheus queries (0: none overall, each query its own 30s)")
	fs.Func("header", "`NAME=VALUE` header sent with every query (with --prometheus; repeatable), e.g. X-Scope-OrgID=tenant1 "+
		"as in PRESCALE_PROMETHEUS_HEADERS; values are never printed", func(s string) error {
		o.promHeaders = append(o.promHeaders, s)
		return nil
	})
	fs.StringVar(&o.promTLS.CA, "ca-file", "", "PEM file of the CAs the server's certificate must be signed by (with --prometheus), as PRESCALE_PROMETHEUS_CA_FILE")
	fs.StringVar(&o.promTLS.Cert, "cert-file", "", "PEM file of the client certificate for a server requiring one (mutual TLS; with --key-file), as PRESCALE_PROMETHEUS_CERT_FILE")
	fs.StringVar(&o.promTLS.Key, "key-file", "", "PEM file of the private key of --cert-file, as PRESCALE_PROMETHEUS_KEY_FILE")
	fs.StringVar(&o.promTLS.ServerName, "server-name", "", "name the server's certificate must hold (default: the host of --prometheus), as PRESCALE_PROMETHEUS_SERVER_NAME")
	o.quiet = fs.Bool("quiet", false, "no progress lines")
	o.robustness = fs.Bool("robustness", false, "also print issue 11's robustness scenarios: the same decisions on a pool with twice and half the lag, "+
		"and a re-run with units 2.5x finer (capacity x 0.4), each beside the HPA curve run on that cluster at equal cost")
	clihelp.SetUsage(fs, "prescale backtest (--trace F | --prometheus URL --query Q) --capacity C --decisions OUT.csv\n"+
		"                         [--lag 300s] [--min 1] [--max 100] [--plot P.svg] [flags]",
		"Replays the demand through the controller's decision engine beside a reactive HPA run by the same "+
			"simulator, and prints instance-hours, violation time, unserved demand and scale events for both.",
		backtestFlagGroups, nil)
	return fs, o
}

// promOnly names the first flag given that only --prometheus reads
// (--query, --range, --step, --timeout, the TLS files), or "".
func (o *backtestOpts) promOnly() string {
	for _, name := range o.set {
		if slices.Contains([]string{"query", "range", "step", "timeout", "ca-file", "cert-file", "key-file", "server-name"}, name) {
			return name
		}
	}
	return ""
}

// checkOutputs checks the source and output flags.
func (o *backtestOpts) checkOutputs() error {
	if err := o.checkSource(); err != nil {
		return err
	}
	switch {
	case *o.decisions == "":
		return errors.New("--decisions is required")
	case *o.decisions == "-":
		// It wrote a file named "-".
		return errors.New("--decisions must name a file: stdout (-) carries the summary")
	case *o.explain == "-":
		return errors.New("--explain must name a file: stdout (-) carries the summary")
	case *o.explain != "" && filepath.Clean(*o.explain) == filepath.Clean(*o.decisions):
		return errors.New("--explain and --decisions must name different files")
	case *o.plotLast < 0:
		return fmt.Errorf("--plot-last must be >= 0, got %s", *o.plotLast)
	case *o.plotLast > 0 && *o.plotPath == "":
		return errors.New("--plot-last needs --plot")
	}
	if err := o.checkPlot(); err != nil {
		return err
	}
	for _, out := range [][2]string{{"--decisions", *o.decisions}, {"--explain", *o.explain}} {
		if out[1] == "" {
			continue
		}
		if outputs.ReplacesInput(*o.tracePath, out[1]) {
			return fmt.Errorf("%s names the --trace file: the output would replace the trace", out[0])
		}
		if fi, err := os.Stat(filepath.Dir(out[1])); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s: directory %q does not exist", out[0], filepath.Dir(out[1]))
		}
		if fi, err := os.Stat(out[1]); err == nil && fi.IsDir() {
			// It replayed the whole trace, then failed with exit 1.
			return fmt.Errorf("%s: %q is a directory", out[0], out[1])
		}
	}
	return nil
}

// checkSource checks the flags of the history source: a trace file or a
// Prometheus query.
func (o *backtestOpts) checkSource() error {
	switch {
	case (*o.tracePath == "") == (*o.promURL == ""):
		return errors.New("exactly one of --trace and --prometheus is required")
	case *o.promURL != "" && config.CheckHTTPURL(*o.promURL) != nil:
		// ftp://x was queried: exit 1 on "unsupported protocol scheme".
		return fmt.Errorf("--prometheus: %w", config.CheckHTTPURL(*o.promURL))
	case *o.promURL != "" && config.CheckPrometheusBase(*o.promURL) != nil:
		return fmt.Errorf("--prometheus: %w", config.CheckPrometheusBase(*o.promURL)) // it was a 404
	case *o.promURL != "" && *o.promQuery == "":
		return errors.New("--query is required with --prometheus")
	case *o.promURL != "" && config.CheckQuery(*o.promQuery) != nil:
		// The server's parse error came back as a runtime failure (exit 1).
		return fmt.Errorf("--query: %w", config.CheckQuery(*o.promQuery))
	case (o.promTLS.Cert == "") != (o.promTLS.Key == ""):
		// As PRESCALE_PROMETHEUS_CERT_FILE and _KEY_FILE: both or neither.
		return errors.New("--cert-file and --key-file go together: a client certificate and its key")
	case *o.promURL == "" && len(o.promHeaders) > 0:
		return errors.New("--header goes with --prometheus")
	case *o.promURL == "" && o.promOnly() != "":
		// --trace F --query Q replayed the file without a word.
		return fmt.Errorf("--%s goes with --prometheus (--trace replays the file)", o.promOnly())
	case *o.promTimeout < 0:
		return fmt.Errorf("--timeout must be >= 0 (0: none overall), got %s", *o.promTimeout)
	}
	return nil
}

// checkPlot checks --plot's file name and directory.
func (o *backtestOpts) checkPlot() error {
	if *o.plotPath == "" {
		return nil
	}
	switch strings.ToLower(filepath.Ext(*o.plotPath)) {
	case ".svg", ".png", ".pdf":
	default:
		return fmt.Errorf("--plot: %q: the file name must end in .svg, .png or .pdf", *o.plotPath)
	}
	if fi, err := os.Stat(filepath.Dir(*o.plotPath)); err != nil || !fi.IsDir() {
		return fmt.Errorf("--plot: directory %q does not exist", filepath.Dir(*o.plotPath))
	}
	if fi, err := os.Stat(*o.plotPath); err == nil && fi.IsDir() {
		return fmt.Errorf("--plot: %q is a directory", *o.plotPath)
	}
	return nil
}

// config is the backtest's configuration from the decision flags (EvalStart
// is set once the trace's length is known).
func (o *backtestOpts) config() (backtest.Config, error) {
	var cfg backtest.Config
	if !(*o.capacity > 0) || math.IsInf(*o.capacity, 0) {
		return cfg, fmt.Errorf("--capacity must be a finite number > 0, got %v", *o.capacity)
	}
	if *o.lag < 0 {
		return cfg, fmt.Errorf("--lag must be >= 0, got %s", *o.lag)
	}
	targets := backtest.DefaultHPATargets()
	if *o.hpaTargets != "" {
		var err error
		if targets, err = backtestParseTargets(*o.hpaTargets); err != nil {
			return cfg, fmt.Errorf("--hpa-targets: %w", err)
		}
	}
	tg := backtest.DefaultTarget(*o.capacity, *o.lag, *o.minUnits, *o.maxUnits)
	tg.TargetUtilization, tg.ConfidenceThreshold = *o.utilisation, *o.confidence
	tg.RiskPerUnit, tg.FloorMode, tg.ChangeCost = *o.risk, policy.FloorMode(*o.floorMode), *o.changeCost
	tg.Tolerance, tg.ScaleUpCooldown, tg.ScaleDownCooldown = *o.tolerance, *o.upCool, *o.downCool
	tg.HoldUntilReady = *o.hold // as backtest.Config.HoldUntilReady sets it; here so the summary shows it
	if slices.Contains(o.set, "usage-window") {
		tg.UsageWindow = *o.usageWindow // else the lag, as DefaultTarget has it
	}
	if err := tg.Validate(); err != nil {
		return cfg, backtestFlagErrors(err)
	}
	if !(*o.coverage > 0 && *o.coverage < 1) {
		return cfg, fmt.Errorf("--coverage must be in (0, 1), got %v", *o.coverage)
	}
	if !(*o.anomalyTh > 0 && *o.anomalyTh <= 1) {
		return cfg, fmt.Errorf("--anomaly-threshold must be in (0, 1], got %v", *o.anomalyTh)
	}
	det, err := engine.NewDetector(*o.detector)
	if err != nil {
		return cfg, fmt.Errorf("--detector: %w", err)
	}
	return backtest.Config{
		Target: tg, Coverage: *o.coverage, HPATargets: targets, HoldUntilReady: *o.hold,
		Detector: det, AnomalyThreshold: *o.anomalyTh, NoShadowHPA: !*o.shadowHPA,
		Explain: *o.explain != "", QueryGrid: *o.promURL != "",
	}, nil
}

// tlsFlag is the flag of a tlsfiles.Error's file.
func tlsFlag(err error) string {
	var fe *tlsfiles.Error
	switch {
	case !errors.As(err, &fe) || fe.Which == tlsfiles.Cert:
		return "cert-file"
	case fe.Which == tlsfiles.CA:
		return "ca-file"
	default:
		return "key-file"
	}
}

// maxReplayPoints bounds --range/--step: ten years of minutes. More would
// take hours of queries and gigabytes for one replay.
const maxReplayPoints = 5_000_000

// load reads the series from --trace or --prometheus; on error, code is
// the exit code (2: bad input, 1: the server failed).
func (o *backtestOpts) load(ctx context.Context) (ts []int64, vs []float64, source string, code int, err error) {
	if *o.tracePath != "" {
		tr, err := trace.ReadFile(*o.tracePath)
		if err != nil {
			return nil, nil, "", 2, fmt.Errorf("--trace: %w", err)
		}
		if tr.Len() < 2 { // it failed later, as a runtime error (exit 1)
			return nil, nil, "", 2, fmt.Errorf("--trace: %s has a single sample; a backtest needs at least 2", *o.tracePath)
		}
		return tr.T, tr.V, *o.tracePath, 0, nil
	}
	back, err := backtestParseRange(*o.promRange)
	if err != nil {
		return nil, nil, "", 2, fmt.Errorf("--range: %w", err)
	}
	if *o.promStep < time.Second || *o.promStep%time.Second != 0 {
		return nil, nil, "", 2, fmt.Errorf("--step must be whole seconds of at least 1s, got %s", *o.promStep)
	}
	if n := back / *o.promStep; n > maxReplayPoints {
		return nil, nil, "", 2, fmt.Errorf("--range %s at --step %s is %d points, more than %d", *o.promRange, *o.promStep, n, maxReplayPoints)
	}
	headers, err := history.ParseHeaders(o.promHeaders)
	if err != nil {
		return nil, nil, "", 2, fmt.Errorf("--header: %w", err)
	}
	o.promTLS.Host = config.URLHost(*o.promURL)
	tc, err := tlsfiles.Config(o.promTLS, nil) // nil log: a change within a replay is read again at the next handshake, a bad one kept silently
	if err != nil {
		return nil, nil, "", 2, fmt.Errorf("--%s: %w", tlsFlag(err), err)
	}
	end := time.Now().UTC().Truncate(*o.promStep)
	ts, vs, err = backtest.QueryRange(ctx, *o.promURL, headers, tc, *o.promQuery, end.Add(-back), end, *o.promStep, *o.promTimeout)
	if history.IsQueryError(err) || errors.Is(err, history.ErrNoData) {
		// The query's fault, not the server's (several series, negative
		// values, none at all): bad input, as a malformed --trace. It was exit 1.
		return nil, nil, "", 2, fmt.Errorf("--query: %w", err)
	}
	if err != nil {
		return nil, nil, "", 1, fmt.Errorf("--prometheus: %w", err)
	}
	source = fmt.Sprintf("%s (%s over %s)", redact.URL(*o.promURL), *o.promQuery, *o.promRange)
	// A --range reaching back before the series existed replayed
	// thousands of empty samples as if they were history.
	if gap := slices.IndexFunc(vs, func(v float64) bool { return !math.IsNaN(v) }); gap > 0 {
		source = fmt.Sprintf("%s (%s over %s; data from %s, the %d samples before it, without data, left out)",
			redact.URL(*o.promURL), *o.promQuery, *o.promRange, time.Unix(ts[gap], 0).UTC().Format(time.RFC3339), gap)
		ts, vs = ts[gap:], vs[gap:]
	}
	if err := tooFewSamples(ts, vs, *o.promRange); err != nil {
		return nil, nil, "", 2, err
	}
	return ts, vs, source, 0, nil
}

// tooFewSamples is the error of a replay of a single sample with data,
// ts[0] (none is refused before, by the history source), nil otherwise.
// It failed in the engine naming a trace (exit 1), or, followed by
// samples without data (a series that stopped), replayed them as no_data.
func tooFewSamples(ts []int64, vs []float64, promRange string) error {
	n := 0
	for _, v := range vs {
		if !math.IsNaN(v) {
			n++
		}
	}
	if n != 1 {
		return nil
	}
	return fmt.Errorf("--query: only 1 sample with data in --range %s (at %s); a backtest needs at least 2: "+
		"replay it once the series has more history, or with a finer --step", promRange, time.Unix(ts[0], 0).UTC().Format(time.RFC3339))
}

// backtestParseTargets reads --hpa-targets: comma-separated utilisation
// targets, each in [backtest.MinHPATarget, backtest.MaxHPATarget].
func backtestParseTargets(s string) ([]float64, error) {
	var out []float64
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := strconv.ParseFloat(part, 64)
		if err != nil || !(v >= backtest.MinHPATarget && v <= backtest.MaxHPATarget) {
			// 2 (200 %) was taken: a unit run at twice what it serves.
			return nil, fmt.Errorf("%q is not a utilisation target in [%g, %g] (1 is a unit at its capacity, as --utilization)",
				part, backtest.MinHPATarget, backtest.MaxHPATarget)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("no targets")
	}
	return out, nil
}

// backtestParseRange reads --range as every duration variable and flag
// is read (clihelp.ParseDuration: 14d, 2w, 1d12h, 1y, 36h, 1.5d), white
// space at its ends aside; it must be positive.
func backtestParseRange(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := clihelp.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration of at most %s (e.g. 14d, 36h, 1d12h)", s, time.Duration(math.MaxInt64))
	}
	return d, nil
}

// backtestFlags maps policy.Target fields to the flags that set them.
var backtestFlags = map[string]string{
	"capacity_per_unit": "--capacity", "target_utilization": "--utilization", "min_units": "--min",
	"max_units": "--max", "lag": "--lag", "confidence_threshold": "--confidence-threshold",
	"risk_per_unit": "--risk", "floor_mode": "--floor", "tolerance": "--tolerance",
	"scale_up_cooldown": "--scale-up-cooldown", "scale_down_cooldown": "--scale-down-cooldown",
	"change_cost": "--change-cost", "usage_window": "--usage-window",
}

// backtestFlagErrors rewrites the target's field errors to name the flag:
// "--max: max_units must be in [1, 1000000], got 0".
func backtestFlagErrors(err error) error {
	errs := []error{err}
	var list interface{ Unwrap() []error }
	if errors.As(err, &list) {
		errs = list.Unwrap()
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
		var fe *policy.FieldError
		if errors.As(e, &fe) {
			if f, ok := backtestFlags[fe.Field]; ok {
				out[i] = fmt.Errorf("%s: %s %s", f, fe.Field, fe.Msg)
			}
		}
	}
	return errors.Join(out...)
}

// backtestCheckScale refuses a --capacity at which the trace's peak demand
// would need more than policy.MaxUnitsLimit units: a unit mix-up (demand
// in requests/s, capacity in requests/ms) that would otherwise simulate a
// pool of absurd size.
func backtestCheckScale(vs []float64, capacity float64) error {
	peak := math.Inf(-1)
	for _, v := range vs {
		if v > peak {
			peak = v
		}
	}
	if need := peak / capacity; need > policy.MaxUnitsLimit {
		return fmt.Errorf("--capacity %g: the trace's peak demand %g would need %.3g units, more than %d; --capacity is the demand one unit serves, in the trace's units",
			capacity, peak, need, policy.MaxUnitsLimit)
	}
	return nil
}
