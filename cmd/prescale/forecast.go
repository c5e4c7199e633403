package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prescale/prescale/cmd/prescale/internal/outputs"
	"github.com/prescale/prescale/controller/engine"
	"github.com/prescale/prescale/controller/history"
	"github.com/prescale/prescale/controller/policy"
	"github.com/prescale/prescale/internal/atomicfile"
	"github.com/prescale/prescale/internal/clihelp"
	"github.com/prescale/prescale/internal/trace"
	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/forecast"
	"github.com/prescale/prescale/predictor/series"
)

// forecastConfig holds the parsed flags of "prescale forecast".
type forecastConfig struct {
	tracePath string
	out       string
	horizon   int
	stride    int
	evalFrom  *big.Rat
	evalText  string // --eval-from as given, for messages
	coverage  float64
	refit     int
	model     string
	// target names the controller target whose refit phase the default
	// forecaster uses (engine.RefitPhase); empty (phase 0) from the
	// command line.
	target string
}

// maxHorizon bounds --horizon: every origin forecasts that many steps
// (1e8 ran for ever before the first origin).
const maxHorizon = 10000

// forecastUsageError is a bad command line (exit code 2).
type forecastUsageError struct{ msg string }

func (e forecastUsageError) Error() string { return e.msg }

func parseForecastFlags(args []string, stdout, stderr io.Writer) (forecastConfig, error) {
	var cfg forecastConfig
	fs := flag.NewFlagSet("prescale forecast", flag.ContinueOnError)
	fs.StringVar(&cfg.tracePath, "trace", "", "trace CSV (timestamp,value) to forecast (required)")
	fs.StringVar(&cfg.out, "out", "", "output CSV origin,target,horizon,yhat,lo,hi (required; - for stdout)")
	fs.IntVar(&cfg.horizon, "horizon", 12, "forecast horizons 1..H in samples, H in [1, "+strconv.Itoa(maxHorizon)+"]")
	fs.IntVar(&cfg.stride, "stride", 1, "forecast every K-th origin from the evaluation start, K at least 1")
	evalFrom := fs.String("eval-from", "0.7", "first origin as a fraction of the trace length, in [0, 1) (exact decimal)")
	fs.Float64Var(&cfg.coverage, "coverage", 0.8, "central interval coverage in (0, 1)")
	fs.StringVar(&cfg.model, "model", modelLive, "forecaster: "+modelLive+" (the controller's forecaster, with its defaults and refit schedule) or one of the batch models "+strings.Join(forecast.BatchModelNames(), ", "))
	fs.IntVar(&cfg.refit, "refit-every", 24, "batch models only: refit after this many new samples (1 = at every origin); in between the fitted model is updated with the new samples ("+modelLive+" refits every "+strconv.Itoa(engine.DefaultRefitEvery)+", as in the controller)")
	clihelp.SetUsage(fs, "prescale forecast --trace F --horizon H --eval-from 0.7 --stride K --out OUT.csv\n"+
		"                         [--coverage 0.8] [--model NAME]",
		"By default it runs the forecaster the controller runs ("+modelLive+"), causally: the forecast at origin i uses samples 0..i only. "+
			"A trace too short for any origin (floor(n*eval-from) + H >= n) is refused with exit 2, naming the samples it needs.",
		forecastFlagGroups, nil)
	if code, ok := clihelp.ParseArgs(fs, args, stdout, stderr); !ok {
		if code == 0 {
			return cfg, flag.ErrHelp
		}
		return cfg, errUsageReported // the flag package (or clihelp.ParseArgs) said why
	}
	refitSet := false
	fs.Visit(func(f *flag.Flag) { refitSet = refitSet || f.Name == "refit-every" })
	switch {
	case refitSet && cfg.model == modelLive:
		// It was read by nothing: live refits on the controller's schedule.
		return cfg, forecastUsageError{fmt.Sprintf("flag --refit-every goes with a batch --model (%s refits every %d samples, as in the controller)", modelLive, engine.DefaultRefitEvery)}
	case cfg.tracePath == "":
		return cfg, forecastUsageError{"flag --trace is required"}
	case cfg.out == "":
		return cfg, forecastUsageError{"flag --out is required"}
	case cfg.out != "-" && outputs.ReplacesInput(cfg.tracePath, cfg.out):
		return cfg, forecastUsageError{"flag --out names the --trace file: the forecasts would replace the trace"}
	case cfg.horizon < 1 || cfg.horizon > maxHorizon:
		return cfg, forecastUsageError{fmt.Sprintf("flag --horizon must be in [1, %d], got %d", maxHorizon, cfg.horizon)}
	case cfg.stride < 1:
		return cfg, forecastUsageError{fmt.Sprintf("flag --stride must be >= 1, got %d", cfg.stride)}
	case !(cfg.coverage > 0 && cfg.coverage < 1):
		return cfg, forecastUsageError{fmt.Sprintf("flag --coverage must be in (0, 1), got %v", cfg.coverage)}
	case cfg.refit < 1:
		return cfg, forecastUsageError{fmt.Sprintf("flag --refit-every must be >= 1, got %d", cfg.refit)}
	case cfg.model != modelLive && !slices.Contains(forecast.BatchModelNames(), cfg.model):
		return cfg, forecastUsageError{fmt.Sprintf("flag --model must be %s or one of %s, got %q", modelLive, strings.Join(forecast.BatchModelNames(), ", "), cfg.model)}
	}
	r, ok := new(big.Rat).SetString(*evalFrom)
	// 1 left no origin in a trace of any length: it wrote the header alone.
	if !ok || r.Sign() < 0 || r.Cmp(big.NewRat(1, 1)) >= 0 {
		return cfg, forecastUsageError{fmt.Sprintf("flag --eval-from must be a decimal in [0, 1), got %q", *evalFrom)}
	}
	cfg.evalFrom, cfg.evalText = r, *evalFrom
	return cfg, nil
}

// evalStart returns floor(frac * n) exactly.
func evalStart(frac *big.Rat, n int) int {
	p := new(big.Rat).Mul(frac, new(big.Rat).SetInt64(int64(n)))
	q := new(big.Int).Quo(p.Num(), p.Denom()) // both non-negative: floor
	return int(q.Int64())
}

// checkOrigins refuses a trace of n samples too short for any forecast
// origin (floor(n*eval_from) + horizon >= n), naming the samples it needs.
func checkOrigins(cfg forecastConfig, n int) error {
	if evalStart(cfg.evalFrom, n)+cfg.horizon < n {
		return nil
	}
	return fmt.Errorf("flag --trace: %s has %d samples, no forecast origin at --horizon %d and --eval-from %s; it needs at least %d",
		cfg.tracePath, n, cfg.horizon, cfg.evalText, minOriginSamples(cfg.evalFrom, cfg.horizon))
}

// minOriginSamples is the fewest samples n with an origin,
// floor(n*frac) + h < n, for frac in [0, 1): n - floor(n*frac) = ceil(n*(1-frac))
// > h holds first at n = floor(h/(1-frac)) + 1.
func minOriginSamples(frac *big.Rat, h int) int {
	rest := new(big.Rat).Sub(big.NewRat(1, 1), frac)
	return evalStart(new(big.Rat).Inv(rest), h) + 1
}

func forecastCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseForecastFlags(args, stdout, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errUsageReported) {
			return 2
		}
		fmt.Fprintf(stderr, "prescale forecast: %v\n", err)
		return 2
	}
	tr, err := trace.ReadFile(cfg.tracePath)
	if err != nil {
		fmt.Fprintf(stderr, "prescale forecast: flag --trace: %v\n", err)
		return 2
	}
	if tr.Len() < 2 { // it wrote a header and exited 0, unlike backtest
		fmt.Fprintf(stderr, "prescale forecast: flag --trace: %s has a single sample; a forecast needs at least 2\n", cfg.tracePath)
		return 2
	}
	if err := checkOrigins(cfg, tr.Len()); err != nil {
		// It wrote the header alone and exited 0 ("0 origins" on stderr).
		fmt.Fprintf(stderr, "prescale forecast: %v\n", err)
		return 2
	}
	w := stdout
	var f *atomicfile.File
	if cfg.out != "-" {
		// Written to a temporary file renamed on success: SIGTERM or a
		// failure leaves no partial output.
		f, err = atomicfile.Create(cfg.out)
		if err != nil {
			fmt.Fprintf(stderr, "prescale forecast: flag --out: %v\n", err)
			return 2
		}
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	err = writeForecasts(ctx, tr, cfg, bw, stderr)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if f != nil {
		if err != nil {
			f.Abort()
		} else {
			err = f.Commit()
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "prescale forecast: %v\n", outputs.Interrupted(err))
		return 1
	}
	return 0
}

// modelLive is the --model name of the controller's forecaster.
const modelLive = "live"

// forecastRow writes one origin's rows to w (empty yhat, lo, hi when fc
// has no forecast).
type forecastRow func(i int, fc predictor.Forecast) error

// writeForecasts runs the rolling-origin forecasts of docs/architecture.md
// ("Offline CLI contracts"): every origin i >= floor(eval_from*n) with
// (i-start)%stride == 0 and i+H < n; the forecast at origin i uses samples 0..i only.
func writeForecasts(ctx context.Context, tr *trace.Trace, cfg forecastConfig, w io.Writer, stderr io.Writer) error {
	n := tr.Len()
	H := cfg.horizon
	start := evalStart(cfg.evalFrom, n)
	if _, err := io.WriteString(w, "origin,target,horizon,yhat,lo,hi\n"); err != nil {
		return err
	}
	var origins []int
	for i := start; i+H < n; i += cfg.stride {
		origins = append(origins, i)
	}
	fmt.Fprintf(stderr, "prescale forecast: %s: %d samples, %d origins from index %d, horizon %d, model %s\n",
		cfg.tracePath, n, len(origins), start, H, cfg.model)
	buf := make([]byte, 0, 256)
	picks := map[string]int{}
	var confSum float64
	done := 0
	emit := func(i int, fc predictor.Forecast) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if fc.Mean != nil {
			picks[fc.Model]++
			confSum += fc.Confidence
		}
		for h := 1; h <= H; h++ {
			buf = appendForecastRow(buf[:0], tr, i, h, fc)
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		done++
		if len(origins) >= 200 && done%(len(origins)/10) == 0 {
			fmt.Fprintf(stderr, "prescale forecast: %d/%d origins\n", done, len(origins))
		}
		return nil
	}
	var err error
	if cfg.model == modelLive {
		err = runLive(tr, origins, H, cfg, emit)
	} else {
		err = forecast.RollingModel(tr.T, tr.V, origins, H, cfg.model, forecast.Options{Horizon: H}, cfg.refit, cfg.coverage, emit)
	}
	if err != nil {
		return err
	}
	if done > 0 {
		fmt.Fprintf(stderr, "prescale forecast: mean confidence %.3f\n", confSum/float64(done))
	}
	for _, name := range slices.Sorted(maps.Keys(picks)) {
		fmt.Fprintf(stderr, "prescale forecast: model %s at %d origins\n", name, picks[name])
	}
	return nil
}

// runLive streams the trace through the controller's forecaster
// (engine.DefaultForecaster, with the controller's defaults) and forecasts
// at each origin from the samples up to it.
func runLive(tr *trace.Trace, origins []int, H int, cfg forecastConfig, emit forecastRow) error {
	fc, err := engine.DefaultForecaster(max(1, int64(history.MedianStep(tr.T)/time.Second)), H, policy.Target{Name: cfg.target})
	if err != nil {
		return err
	}
	next := 0
	for i := 0; i < tr.Len() && next < len(origins); i++ {
		fc.Update(tr.T[i], tr.V[i])
		if i != origins[next] {
			continue
		}
		next++
		f, err := fc.Forecast(H, cfg.coverage)
		if errors.Is(err, series.ErrNoData) {
			f, err = predictor.Forecast{}, nil // nothing finite yet: an empty row
		}
		if err != nil {
			return fmt.Errorf("origin %d: %w", i, err)
		}
		if err := emit(i, f); err != nil {
			return err
		}
	}
	return nil
}

// appendForecastRow appends the CSV row of origin i, horizon h.
func appendForecastRow(buf []byte, tr *trace.Trace, i, h int, fc predictor.Forecast) []byte {
	buf = strconv.AppendInt(buf, tr.T[i], 10)
	buf = append(buf, ',')
	buf = strconv.AppendInt(buf, tr.T[i+h], 10)
	buf = append(buf, ',')
	buf = strconv.AppendInt(buf, int64(h), 10)
	if fc.Mean == nil {
		return append(buf, ",,,\n"...)
	}
	for _, v := range []float64{fc.Mean[h-1], fc.Lower[h-1], fc.Upper[h-1]} {
		buf = append(buf, ',')
		buf = append(buf, trace.FormatFloat(v)...)
	}
	return append(buf, '\n')
}
