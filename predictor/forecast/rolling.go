package forecast

import (
	"errors"
	"fmt"
	"slices"

	"github.com/prescale/prescale/predictor"
	"github.com/prescale/prescale/predictor/series"
)

// Rolling makes rolling-origin forecasts of the series t, y at the given
// origin indices (strictly increasing, each in 0..len(y)-1): emit receives
// the origin index and the forecast of the next h samples with the given
// interval coverage.
//
// The forecast at origin i uses samples 0..i only. An Auto forecaster is
// refitted on samples 0..i at the first origin and whenever refitEvery or
// more samples have arrived since the last fit (refitEvery <= 1 refits at
// every origin); in between it is updated with the new samples, keeping its
// parameters. While no sample before an origin is finite, emit gets a
// Forecast with nil Mean. An error from emit stops the run and is
// returned.
func Rolling(t []int64, y []float64, origins []int, h int, opts Options, refitEvery int,
	coverage float64, emit func(i int, f predictor.Forecast) error) error {
	return RollingModel(t, y, origins, h, "auto", opts, refitEvery, coverage, emit)
}

// BatchModelNames lists the models RollingModel takes: auto (Auto) and the
// single models.
func BatchModelNames() []string {
	return []string{"auto", "naive", "seasonal_naive", "ridge", "ridge_log", "holt_winters", "mstl", "mstl_log"}
}

// RollingModel is Rolling with the named model (one of BatchModelNames)
// in place of Auto: a single model is fitted and backtested like Auto, with
// itself as the only candidate (its intervals come from its own backtest).
func RollingModel(t []int64, y []float64, origins []int, h int, model string, opts Options, refitEvery int,
	coverage float64, emit func(i int, f predictor.Forecast) error) error {
	if err := series.CheckInput(t, y); err != nil {
		return err
	}
	if opts.Horizon == 0 {
		opts.Horizon = max(h, 1)
	}
	if !slices.Contains(BatchModelNames(), model) {
		return fmt.Errorf("predictor: unknown model %q", model)
	}
	auto := NewAuto(opts)
	if model != "auto" {
		auto.e.only = model
	}
	fitted := false
	pos, lastFit := 0, 0
	prev := -1
	for _, i := range origins {
		if i <= prev || i >= len(y) {
			return fmt.Errorf("predictor: origin %d out of order or outside 0..%d", i, len(y)-1)
		}
		prev = i
		if !fitted || i-lastFit >= refitEvery {
			err := auto.Fit(t[:i+1], y[:i+1])
			switch {
			case errors.Is(err, series.ErrNoData):
				fitted = false
			case err != nil:
				return fmt.Errorf("origin %d: %w", i, err)
			default:
				fitted, lastFit, pos = true, i, i+1
			}
		} else {
			for ; pos <= i; pos++ {
				auto.Update(t[pos], y[pos])
			}
		}
		var f predictor.Forecast
		if fitted {
			var err error
			if f, err = auto.Forecast(h, coverage); err != nil {
				return fmt.Errorf("origin %d: %w", i, err)
			}
		}
		if err := emit(i, f); err != nil {
			return err
		}
	}
	return nil
}
