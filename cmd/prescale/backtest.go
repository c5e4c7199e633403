package main

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
	"strconv"
	"strings"
	"time"

	"github.com/prescale/prescale/controller/backtest"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/trace"
	"github.com/prescale/prescale/predictor/anomaly"
)

// backtestCmd implements `prescale backtest` (docs/architecture.md, "Offline CLI
// contracts"): replay a trace (CSV or a Prometheus query_range) through the
// decision engine and a simulated pool, write timestamp,desired for every
// sample and print a summary beside a reactive HPA baseline.
func backtestCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prescale backtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		tracePath   = fs.String("trace", "", "demand trace CSV (timestamp,value); or use --prometheus")
		capacity    = fs.Float64("capacity", 0, "demand one unit serves at 100 % utilisation (required, > 0)")
		lag         = fs.Duration("lag", 300*time.Second, "provisioning lag: a unit requested now serves from now+lag")
		minUnits    = fs.Int("min", 1, "minimum units")
		maxUnits    = fs.Int("max", 100, "maximum units")
		utilisation = fs.Float64("utilization", 1, "target utilisation in (0, 1] for the decision engine (the violation test is at 100 %)")
		coverage    = fs.Float64("coverage", engine.DefaultCoverage, "central coverage of the forecast interval whose upper bound is provisioned when --risk is 0, in (0, 1)")
		risk        = fs.Float64("risk", engine.DefaultRiskPerUnit, "violation probability a unit must remove from a lead window to be worth its cost, in [0, 1); 0 provisions the upper bound of --coverage")
		floorMode   = fs.String("floor", string(engine.DefaultFloorMode), "reactive floor: scale_up (never below the HPA formula on current demand) or hold (the same, and keep the units used within the lag)")
		detector    = fs.String("detector", engine.DefaultDetector, "streaming anomaly detector whose flagged samples are kept out of fitting and decided reactively ("+strings.Join(anomaly.DetectorNames(), ", ")+", or none)")
		anomalyTh   = fs.Float64("anomaly-threshold", engine.DefaultAnomalyThreshold, "anomaly score at or above which a sample is flagged, in (0, 1]")
		hold        = fs.Bool("hold", true, "keep each recommendation until its units are ready (stabilisation window lag - step/2)")
		shadowHPA   = fs.Bool("shadow-hpa", true, "shadow HPA safety net: when a reactive HPA would recently have done better on the decision's objective (units·risk + violations), its recommendation is a floor (the controller always runs it with --risk > 0)")
		tolerance   = fs.Float64("tolerance", 0, "relative dead band around the current units, in [0, 1) (the controller's PRESCALE_TARGET_TOLERANCE)")
		upCool      = fs.Duration("scale-up-cooldown", 0, "minimum time between scale-ups (PRESCALE_TARGET_SCALE_UP_COOLDOWN)")
		downCool    = fs.Duration("scale-down-cooldown", 0, "minimum time after any scaling before a scale-down (PRESCALE_TARGET_SCALE_DOWN_COOLDOWN)")
		confidence  = fs.Float64("confidence-threshold", policy.DefaultConfidenceThreshold, "forecast confidence below which decisions are reactive, in [0, 1]")
		decisions   = fs.String("decisions", "", "output CSV: timestamp,desired for every trace timestamp (required)")
		plotPath    = fs.String("plot", "", "optional SVG (or PNG by extension) of demand, capacity and violations")
		plotLast    = fs.Duration("plot-last", 0, "plot only the last part of the trace, e.g. 72h, at full resolution (0: the whole trace)")
		evalFrom    = fs.String("eval-from", "0", "count summary figures from sample floor(F·n), F in [0, 1)")
		hpaTargets  = fs.String("hpa-targets", "", "comma-separated HPA utilisation targets of the baseline curve (default 0.4,0.45,...,0.95)")
		promURL     = fs.String("prometheus", "", "Prometheus base URL to replay a series from (instead of --trace)")
		promQuery   = fs.String("query", "", "PromQL expression returning one series (with --prometheus)")
		promRange   = fs.String("range", "14d", "how far back to replay from now (with --prometheus), e.g. 14d, 36h")
		promStep    = fs.Duration("step", time.Minute, "query_range resolution (with --prometheus)")
		promTimeout = fs.Duration("timeout", 2*time.Minute, "overall timeout of the Prometheus queries")
		quiet       = fs.Bool("quiet", false, "no progress lines")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "prescale backtest: "+format+"\n", a...)
		return 2
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected argument %q", fs.Arg(0))
	}
	if (*tracePath == "") == (*promURL == "") {
		return usageErr("exactly one of --trace and --prometheus is required")
	}
	if *promURL != "" && *promQuery == "" {
		return usageErr("--query is required with --prometheus")
	}
	if *decisions == "" {
		return usageErr("--decisions is required")
	}
	if !(*capacity > 0) || math.IsInf(*capacity, 0) {
		return usageErr("--capacity must be a finite number > 0, got %v", *capacity)
	}
	if *plotLast < 0 {
		return usageErr("--plot-last must be >= 0, got %s", *plotLast)
	}
	if *plotLast > 0 && *plotPath == "" {
		return usageErr("--plot-last needs --plot")
	}
	if *plotPath != "" {
		switch strings.ToLower(filepath.Ext(*plotPath)) {
		case ".svg", ".png", ".pdf":
		default:
			return usageErr("--plot: %q: the file name must end in .svg, .png or .pdf", *plotPath)
		}
		if fi, err := os.Stat(filepath.Dir(*plotPath)); err != nil || !fi.IsDir() {
			return usageErr("--plot: directory %q does not exist", filepath.Dir(*plotPath))
		}
	}
	if fi, err := os.Stat(filepath.Dir(*decisions)); err != nil || !fi.IsDir() {
		return usageErr("--decisions: directory %q does not exist", filepath.Dir(*decisions))
	}
	if *lag < 0 {
		return usageErr("--lag must be >= 0, got %s", *lag)
	}
	targets := backtest.DefaultHPATargets()
	if *hpaTargets != "" {
		var err error
		if targets, err = backtestParseTargets(*hpaTargets); err != nil {
			return usageErr("--hpa-targets: %v", err)
		}
	}
	tg := backtest.DefaultTarget(*capacity, *lag, *minUnits, *maxUnits)
	tg.TargetUtilization, tg.ConfidenceThreshold = *utilisation, *confidence
	tg.RiskPerUnit, tg.FloorMode = *risk, policy.FloorMode(*floorMode)
	tg.Tolerance, tg.ScaleUpCooldown, tg.ScaleDownCooldown = *tolerance, *upCool, *downCool
	tg.HoldUntilReady = *hold // as backtest.Config.HoldUntilReady sets it; here so the summary shows it
	if err := tg.Validate(); err != nil {
		return usageErr("%v", backtestFlagErrors(err))
	}
	if !(*coverage > 0 && *coverage < 1) {
		return usageErr("--coverage must be in (0, 1), got %v", *coverage)
	}
	if !(*anomalyTh > 0 && *anomalyTh <= 1) {
		return usageErr("--anomaly-threshold must be in (0, 1], got %v", *anomalyTh)
	}
	det, err := engine.NewDetector(*detector)
	if err != nil {
		return usageErr("--detector: %v", err)
	}

	var ts []int64
	var vs []float64
	source := *tracePath
	if *tracePath != "" {
		tr, err := trace.ReadFile(*tracePath)
		if err != nil {
			fmt.Fprintf(stderr, "prescale backtest: --trace: %v\n", err)
			return 2
		}
		ts, vs = tr.T, tr.V
	} else {
		back, err := backtestParseRange(*promRange)
		if err != nil {
			return usageErr("--range: %v", err)
		}
		if *promStep <= 0 {
			return usageErr("--step must be > 0, got %s", *promStep)
		}
		qctx, cancel := context.WithTimeout(ctx, *promTimeout)
		end := time.Now().UTC().Truncate(*promStep)
		ts, vs, err = backtest.QueryRange(qctx, *promURL, *promQuery, end.Add(-back), end, *promStep)
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "prescale backtest: --prometheus: %v\n", err)
			return 1
		}
		source = fmt.Sprintf("%s (%s over %s)", *promURL, *promQuery, *promRange)
	}
	if err := backtestCheckScale(vs, *capacity); err != nil {
		return usageErr("%v", err)
	}
	evalStart, err := backtest.EvalStartIndex(*evalFrom, len(ts))
	if err != nil {
		return usageErr("--eval-from: %v", err)
	}

	cfg := backtest.Config{
		Target: tg, Coverage: *coverage, HPATargets: targets, EvalStart: evalStart, HoldUntilReady: *hold,
		Detector: det, AnomalyThreshold: *anomalyTh, NoShadowHPA: !*shadowHPA,
	}
	if !*quiet && len(ts) >= 20000 {
		started := time.Now()
		cfg.Progress = func(done, total int) {
			fmt.Fprintf(stderr, "prescale backtest: %d/%d samples (%.0f %%) in %s\n",
				done, total, 100*float64(done)/float64(total), time.Since(started).Round(time.Millisecond))
		}
	}
	res, err := backtest.Run(ctx, ts, vs, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "prescale backtest: %v\n", err)
		return 1
	}
	if err := backtestWriteDecisions(*decisions, res); err != nil {
		fmt.Fprintf(stderr, "prescale backtest: --decisions: %v\n", err)
		return 1
	}
	if *plotPath != "" {
		if err := backtest.PlotLast(res, *capacity, *plotPath, *plotLast); err != nil {
			fmt.Fprintf(stderr, "prescale backtest: --plot: %v\n", err)
			return 1
		}
	}
	backtest.WriteSummary(stdout, res, source, tg)
	return 0
}

func backtestWriteDecisions(path string, res *backtest.Result) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	w := bufio.NewWriter(f)
	if err := backtest.WriteDecisions(w, res); err != nil {
		return err
	}
	return w.Flush()
}

func backtestParseTargets(s string) ([]float64, error) {
	var out []float64
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := strconv.ParseFloat(part, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%q is not a number > 0", part)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("no targets")
	}
	return out, nil
}

// backtestParseRange accepts Go durations and Prometheus-style day/week suffixes
// ("14d", "2w", "36h").
func backtestParseRange(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if num, ok := strings.CutSuffix(s, suffix); ok {
			n, err := strconv.ParseFloat(num, 64)
			if err != nil || !(n > 0) {
				return 0, fmt.Errorf("%q is not a positive duration", s)
			}
			return time.Duration(n * float64(unit)), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration (e.g. 14d, 36h)", s)
	}
	return d, nil
}

// backtestFlags maps policy.Target fields to the flags that set them.
var backtestFlags = map[string]string{
	"capacity_per_unit": "--capacity", "target_utilization": "--utilization", "min_units": "--min",
	"max_units": "--max", "lag": "--lag", "confidence_threshold": "--confidence-threshold",
	"risk_per_unit": "--risk", "floor_mode": "--floor", "tolerance": "--tolerance",
	"scale_up_cooldown": "--scale-up-cooldown", "scale_down_cooldown": "--scale-down-cooldown",
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
