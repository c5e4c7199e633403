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
	"os"
	"slices"
	"strconv"

	"github.com/prescale/prescale/internal/trace"
	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/forecast"
)

// forecastConfig holds the parsed flags of "prescale forecast".
type forecastConfig struct {
	tracePath string
	out       string
	horizon   int
	stride    int
	evalFrom  *big.Rat
	coverage  float64
	refit     int
}

// forecastUsageError is a bad command line (exit code 2).
type forecastUsageError struct{ msg string }

func (e forecastUsageError) Error() string { return e.msg }

func parseForecastFlags(args []string, stderr io.Writer) (forecastConfig, error) {
	var cfg forecastConfig
	fs := flag.NewFlagSet("prescale forecast", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.tracePath, "trace", "", "trace CSV (timestamp,value) to forecast (required)")
	fs.StringVar(&cfg.out, "out", "", "output CSV origin,target,horizon,yhat,lo,hi (required; - for stdout)")
	fs.IntVar(&cfg.horizon, "horizon", 12, "forecast horizons 1..H in samples")
	fs.IntVar(&cfg.stride, "stride", 1, "forecast every K-th origin from the evaluation start")
	evalFrom := fs.String("eval-from", "0.7", "first origin as a fraction of the trace length, in [0, 1] (exact decimal)")
	fs.Float64Var(&cfg.coverage, "coverage", 0.8, "central interval coverage in (0, 1)")
	fs.IntVar(&cfg.refit, "refit-every", 24, "refit the models after this many new samples (1 = at every origin); in between the fitted models are updated with the new samples")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: prescale forecast --trace F --horizon H --eval-from 0.7 --stride K --out OUT.csv [--coverage 0.8]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, forecastUsageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return cfg, forecastUsageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	switch {
	case cfg.tracePath == "":
		return cfg, forecastUsageError{"flag --trace is required"}
	case cfg.out == "":
		return cfg, forecastUsageError{"flag --out is required"}
	case cfg.horizon < 1:
		return cfg, forecastUsageError{fmt.Sprintf("flag --horizon must be >= 1, got %d", cfg.horizon)}
	case cfg.stride < 1:
		return cfg, forecastUsageError{fmt.Sprintf("flag --stride must be >= 1, got %d", cfg.stride)}
	case !(cfg.coverage > 0 && cfg.coverage < 1):
		return cfg, forecastUsageError{fmt.Sprintf("flag --coverage must be in (0, 1), got %v", cfg.coverage)}
	case cfg.refit < 1:
		return cfg, forecastUsageError{fmt.Sprintf("flag --refit-every must be >= 1, got %d", cfg.refit)}
	}
	r, ok := new(big.Rat).SetString(*evalFrom)
	if !ok || r.Sign() < 0 || r.Cmp(big.NewRat(1, 1)) > 0 {
		return cfg, forecastUsageError{fmt.Sprintf("flag --eval-from must be a decimal in [0, 1], got %q", *evalFrom)}
	}
	cfg.evalFrom = r
	return cfg, nil
}

// evalStart returns floor(frac * n) exactly.
func evalStart(frac *big.Rat, n int) int {
	p := new(big.Rat).Mul(frac, new(big.Rat).SetInt64(int64(n)))
	q := new(big.Int).Quo(p.Num(), p.Denom()) // both non-negative: floor
	return int(q.Int64())
}

func forecastCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseForecastFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "prescale forecast: %v\n", err)
		return 2
	}
	tr, err := trace.ReadFile(cfg.tracePath)
	if err != nil {
		fmt.Fprintf(stderr, "prescale forecast: flag --trace: %v\n", err)
		return 2
	}
	w := stdout
	var f *os.File
	if cfg.out != "-" {
		f, err = os.Create(cfg.out)
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
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "prescale forecast: %v\n", err)
		return 1
	}
	return 0
}

// writeForecasts runs the rolling-origin forecasts of docs/architecture.md
// ("Offline CLI contracts"): every origin i >= floor(eval_from*n) with (i-start)%stride == 0 and
// i+H < n. The forecaster is refitted on samples 0..i every cfg.refit
// samples and updated with each new sample in between, so the forecast at
// origin i uses samples 0..i only.
func writeForecasts(ctx context.Context, tr *trace.Trace, cfg forecastConfig, w io.Writer, stderr io.Writer) error {
	n := tr.Len()
	H := cfg.horizon
	start := evalStart(cfg.evalFrom, n)
	if _, err := io.WriteString(w, "origin,target,horizon,yhat,lo,hi\n"); err != nil {
		return err
	}
	total := 0
	if start+H < n {
		total = (n - H - 1 - start + cfg.stride) / cfg.stride
	}
	fmt.Fprintf(stderr, "prescale forecast: %s: %d samples, %d origins from index %d, horizon %d\n",
		cfg.tracePath, n, total, start, H)
	var origins []int
	for i := start; i+H < n; i += cfg.stride {
		origins = append(origins, i)
	}
	buf := make([]byte, 0, 256)
	picks := map[string]int{}
	var confSum float64
	done := 0
	err := forecast.Rolling(tr.T, tr.V, origins, H, forecast.Options{Horizon: H}, cfg.refit, cfg.coverage,
		func(i int, fc predictor.Forecast) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if fc.Mean != nil {
				picks[fc.Model]++
				confSum += fc.Confidence
			}
			for h := 1; h <= H; h++ {
				buf = buf[:0]
				buf = strconv.AppendInt(buf, tr.T[i], 10)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, tr.T[i+h], 10)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, int64(h), 10)
				if fc.Mean != nil {
					buf = append(buf, ',')
					buf = append(buf, trace.FormatFloat(fc.Mean[h-1])...)
					buf = append(buf, ',')
					buf = append(buf, trace.FormatFloat(fc.Lower[h-1])...)
					buf = append(buf, ',')
					buf = append(buf, trace.FormatFloat(fc.Upper[h-1])...)
				} else {
					buf = append(buf, ",,,"...)
				}
				buf = append(buf, '\n')
				if _, err := w.Write(buf); err != nil {
					return err
				}
			}
			done++
			if total >= 200 && done%(total/10) == 0 {
				fmt.Fprintf(stderr, "prescale forecast: %d/%d origins\n", done, total)
			}
			return nil
		})
	if err != nil {
		return err
	}
	if done > 0 {
		fmt.Fprintf(stderr, "prescale forecast: mean confidence %.3f\n", confSum/float64(done))
	}
	names := slices.Sorted(maps.Keys(picks))
	for _, name := range names {
		fmt.Fprintf(stderr, "prescale forecast: model %s at %d origins\n", name, picks[name])
	}
	return nil
}
