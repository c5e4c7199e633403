package forecast

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/prescale/prescale/predictor/series"
)

// A fitted Auto holds the cores a forecast can use only (the pick and
// naive): a controller keeps one per target between refits.
func TestFittedAutoHoldsPickAndNaiveOnly(t *testing.T) {
	tt, y := noisySeasonal(4032, 3)
	a := NewAuto(Options{})
	require.NoError(t, a.Fit(tt, y))
	require.Len(t, a.e.cores, idxMSTLLog+1)
	inPick := map[int]bool{idxNaive: true}
	for _, k := range a.e.pick {
		inPick[k] = true
	}
	for k, c := range a.e.cores {
		if inPick[k] {
			require.NotNil(t, c, "core %d is in use", k)
		} else {
			require.Nil(t, c, "core %d is not in use after the fit", k)
		}
	}
	// The series keeps the log-scale values mstl_log reads (ridge_log's
	// are lent to each forecast) and no prefix sums: a ridge forecast sums
	// the values its means read.
	var logVals bool
	for _, k := range a.e.pick {
		logVals = logVals || k == idxMSTLLog
	}
	lx, lcs, _ := a.e.s.Vals(true)
	_, cs, _ := a.e.s.Vals(false)
	require.Equal(t, logVals, lx != nil, "log-scale values kept for %v", a.e.pick)
	require.Nil(t, cs, "prefix sums kept for %v", a.e.pick)
	require.Nil(t, lcs, "log-scale prefix sums kept for %v", a.e.pick)
	_, err := a.Forecast(12, 0.8)
	require.NoError(t, err)
	lx, _, _ = a.e.s.Vals(true)
	require.Equal(t, logVals, lx != nil, "log-scale values held after a forecast")
}

// A fitted log-scale model holds the log-scale values of the samples its
// forecasts read only, not of its whole window (a controller fits on up
// to 35 days): mstl_log keeps those of its decomposition window (three
// weeks) and the guard's horizon; ridge_log keeps none, and each forecast
// is lent those of its features' reach and the guard's horizon, computed
// as its means read them. Their forecasts and the updates after the fit
// stay those of a fit that kept them all.
func TestFittedLogModelsKeepATail(t *testing.T) {
	tt, y := noisySeasonal(10080, 6) // 35 days at 5 minutes
	const fitOn = 10080 - 100        // a decomposition is redone every 72 samples
	for _, only := range []string{"ridge_log", "mstl_log"} {
		t.Run(only, func(t *testing.T) {
			opts := Options{}
			kept := &Auto{e: engine{opts: opts, only: only}}
			require.NoError(t, kept.Fit(tt[:fitOn], y[:fitOn]))
			require.Equal(t, only, kept.e.modelName())
			// ridge_log: a week, the profile's half-width; mstl_log: three
			// weeks; then the guard's horizon and the origin.
			want := map[string]int{"ridge_log": 2016 - 1 + 6, "mstl_log": 3 * 2016}[only] + 12 + 1
			lent := only == "ridge_log"
			lx, _, _ := kept.e.s.Vals(true)
			require.Equal(t, lent, lx == nil, "log-scale values held after the fit")
			if lent {
				require.Equal(t, want, kept.e.logTail)
				kept.e.s.LendLog(kept.e.logTail)
			}
			lx, _, off := kept.e.s.Vals(true)
			held := len(lx) // (require.Len would print them all)
			kept.e.s.ReturnLog()
			require.Equal(t, want, held)
			require.Equal(t, fitOn, off+held)

			full := &Auto{e: engine{opts: opts, only: only}}
			require.NoError(t, full.Fit(tt[:fitOn], y[:fitOn]))
			// The same fitted models on a series that holds every
			// log-scale value.
			s, err := series.NewFrom(tt[:fitOn], y[:fitOn], false)
			require.NoError(t, err)
			s.Keep(math.MaxInt, false, false)
			all, _, _ := s.Vals(true)
			n := len(all)
			require.Equal(t, fitOn, n)
			full.e.s = s
			// The recent-error guard on (it is off for a single-model
			// engine): its replays read back furthest.
			for _, a := range []*Auto{kept, full} {
				a.e.only, a.e.guardOn, a.e.gstride = "", true, 2
			}
			for i := fitOn; i <= len(y); i++ {
				for _, a := range []*Auto{kept, full} {
					if i > fitOn {
						a.Update(tt[i-1], y[i-1])
					}
				}
				fk, err := kept.Forecast(12, 0.8)
				require.NoError(t, err)
				ff, err := full.Forecast(12, 0.8)
				require.NoError(t, err)
				require.Equal(t, ff, fk, "after %d samples", i)
			}
		})
	}
}

// A ridge mean summed from the values (after the fitted forecaster drops
// its prefix sums) is the prefix-sum mean up to rounding, clipping at the
// first sample included.
func TestRidgeMeanWithoutPrefixSums(t *testing.T) {
	tt, y := noisySeasonal(3000, 5)
	s, err := series.NewFrom(tt, y, false)
	require.NoError(t, err)
	x, cs, _ := s.Vals(false)
	for _, w := range [][2]int{{-5, 10}, {0, 0}, {100, 387}, {2990, 2999}, {12, 11}} {
		want := series.Mean(nil, cs, w[0], w[1])
		got := series.Mean(x, nil, w[0], w[1])
		if w[1] < max(w[0], 0) {
			require.True(t, math.IsNaN(got) && math.IsNaN(want), "%v", w)
			continue
		}
		require.InEpsilon(t, want, got, 1e-12, "%v", w)
	}
}
